-- Headless Neovim end-to-end test for `promptwise serve` (Neovim 0.7+, checked on 0.11).
--   nvim --headless -u NONE -i NONE -n -c 'luafile promptwise_test.lua'
-- Env: PW_SERVER_CMD (JSON list: the server command), PW_FILE (prompt to open),
--      PW_OUT (result JSON), PW_ROOT (workspace root).
-- Writes what the editor got to PW_OUT; exits 0 on success, 1 on failure.
local CMD = vim.fn.json_decode(os.getenv("PW_SERVER_CMD"))
local FILE = os.getenv("PW_FILE")
local OUT = os.getenv("PW_OUT")
local ROOT = os.getenv("PW_ROOT")

local v = vim.version()
local result = { nvim = v.major .. "." .. v.minor .. "." .. v.patch, ok = false }
local publishes = 0

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(FILE))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = "prompty"

  local default = vim.lsp.handlers["textDocument/publishDiagnostics"]
  local config = {
    name = "promptwise",
    cmd = CMD,
    root_dir = ROOT,
    init_options = { debounceMs = 50 },
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, res, ctx, cfg)
        publishes = publishes + 1
        return default(err, res, ctx, cfg)
      end,
    },
    flags = { debounce_text_changes = 0 },
  }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config, { bufnr = buf })
  else -- 0.7
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, client_id)
  end
  assert(client_id, "client did not start")

  -- 1. diagnostics after didOpen (pushed, or pulled by 0.10+)
  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50),
    "no diagnostics within 20s after didOpen")
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(diags, { lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message,
      code = d.code, severity = d.severity, source = d.source })
  end
  result.diagnostics = diags

  -- 2. an edit that fixes the typo: the undefined-variable finding goes away
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, line in ipairs(lines) do
    if line:find("{{ tiket }}", 1, true) then
      vim.api.nvim_buf_set_lines(buf, i - 1, i, false, { "{{ ticket }}" })
    end
  end
  local fixed = vim.wait(20000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == "PW003" then return false end
    end
    return true
  end, 50)
  result.fixed_after_edit = fixed
  result.publishes = publishes

  -- 3. code lens and inlay hints through raw requests (works on 0.7 too)
  local tdp = { textDocument = vim.lsp.util.make_text_document_params(buf) }
  local lens = vim.lsp.buf_request_sync(buf, "textDocument/codeLens", tdp, 10000) or {}
  local r = lens[client_id] and lens[client_id].result or {}
  result.codelens = {}
  for _, l in ipairs(r) do
    table.insert(result.codelens, { line = l.range.start.line, title = l.command and l.command.title,
      command = l.command and l.command.command })
  end
  local ih_params = { textDocument = tdp.textDocument,
    range = { start = { line = 0, character = 0 }, ["end"] = { line = #lines + 1, character = 0 } } }
  local ih = vim.lsp.buf_request_sync(buf, "textDocument/inlayHint", ih_params, 10000) or {}
  r = ih[client_id] and ih[client_id].result or {}
  result.inlay_hints = {}
  for _, h in ipairs(r) do
    table.insert(result.inlay_hints, { line = h.position.line, character = h.position.character,
      label = type(h.label) == "string" and h.label or vim.inspect(h.label) })
  end

  -- 4. hover over the model name, and the built-in UI modules on 0.10+
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = tdp.textDocument, position = { line = 9, character = 25 } }, 10000) or {}
  local hv = hover[client_id] and hover[client_id].result
  result.hover = hv and hv.contents and (hv.contents.value or vim.inspect(hv.contents)) or vim.NIL
  if vim.lsp.inlay_hint and vim.lsp.inlay_hint.enable and vim.fn.has("nvim-0.10") == 1 then
    vim.lsp.inlay_hint.enable(true, { bufnr = buf })
    result.inlay_hint_builtin_enabled = vim.lsp.inlay_hint.is_enabled({ bufnr = buf })
  end
  if vim.lsp.codelens and vim.lsp.codelens.refresh then
    vim.lsp.codelens.refresh({ bufnr = buf })
    vim.wait(10000, function() return #(vim.lsp.codelens.get(buf) or {}) > 0 end, 50)
    result.codelens_builtin = #(vim.lsp.codelens.get(buf) or {})
  end
  local client = vim.lsp.get_client_by_id(client_id)
  result.position_encoding = client.offset_encoding
  client.stop()
  vim.wait(5000, function() return client.is_stopped() end, 50)
  result.ok = true
end

local t0 = vim.loop.hrtime()
local ok, err = xpcall(main, debug.traceback)
result.elapsed_ms = math.floor((vim.loop.hrtime() - t0) / 1e6)
if not ok then result.error = tostring(err) end
vim.fn.writefile({ vim.fn.json_encode(result) }, OUT)
if ok then vim.cmd("qall!") else vim.cmd("cquit 1") end
