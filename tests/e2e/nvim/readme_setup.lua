-- Headless Neovim 0.11 run of the README's own Neovim set-up (PW_README_LUA: the
-- snippets, extracted from README.md by the test), with nothing else configured.
-- Opens PW_FILE and records whether promptwise attached and whether inlay hints
-- and code lenses are shown without any further call. Writes PW_OUT; exit 0/1.
local FILE = os.getenv("PW_FILE")
local OUT = os.getenv("PW_OUT")
local result = { ok = false }

local function main()
  vim.cmd("filetype on")
  dofile(os.getenv("PW_README_LUA"))
  vim.cmd("edit " .. vim.fn.fnameescape(FILE))
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  assert(vim.wait(20000, function()
    return #vim.lsp.get_clients({ bufnr = buf, name = "promptwise" }) > 0
  end, 50), "promptwise did not attach to " .. FILE)
  result.hints_enabled = vim.lsp.inlay_hint.is_enabled({ bufnr = buf })
  vim.wait(20000, function() return #vim.lsp.inlay_hint.get({ bufnr = buf }) > 0 end, 50)
  result.hints = {}
  for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = buf })) do
    local h = item.inlay_hint
    table.insert(result.hints, { line = h.position.line,
      label = type(h.label) == "string" and h.label or vim.inspect(h.label) })
  end
  vim.wait(20000, function() return #(vim.lsp.codelens.get(buf) or {}) > 0 end, 50)
  result.lenses = {}
  for _, l in ipairs(vim.lsp.codelens.get(buf) or {}) do
    table.insert(result.lenses, { line = l.range.start.line, title = l.command and l.command.title })
  end
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = buf })) do
    client:stop()
  end
  result.ok = true
end

local ok, err = xpcall(main, debug.traceback)
if not ok then result.error = tostring(err) end
vim.fn.writefile({ vim.fn.json_encode(result) }, OUT)
if ok then vim.cmd("qall!") else vim.cmd("cquit 1") end
