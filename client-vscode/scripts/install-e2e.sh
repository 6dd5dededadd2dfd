#!/usr/bin/env bash
# Install what tests/e2e/test_vscode.py needs: Debian chromium, code-server (VS Code in
# the browser, from the npm registry, built offline on the machine's Node 20) and
# playwright-core. Everything but the apt packages lives in one cache folder that is
# reused between runs; a second run with everything in place takes about a second.
#
#   client-vscode/scripts/install-e2e.sh [CACHE_DIR]     (default ~/.cache/promptwise-e2e)
#
# Prints the cache folder on its last line. Exit 0 when code-server, chromium and
# playwright-core are all usable.
set -euo pipefail

CACHE=${1:-${PROMPTWISE_E2E_CACHE:-$HOME/.cache/promptwise-e2e}}
# 4.100.3 is the last code-server whose engines.node accepts Node 20 (VS Code 1.100.3).
CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.100.3}
PLAYWRIGHT_VERSION=${PLAYWRIGHT_VERSION:-1.65.1}
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
PW_DIR="$CACHE/playwright"
log() { printf '[install-e2e] %s\n' "$*" >&2; }

# -------------------------------------------------------------- apt packages
APT_PACKAGES=(build-essential pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev ripgrep chromium curl)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# -------------------------------------------------------------- code-server
mkdir -p "$CACHE"
if [ -f "$CS_DIR/.complete" ]; then
  log "code-server $CODE_SERVER_VERSION cached in $CS_DIR"
else
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR"
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR"
  (
    cd "$CS_DIR"
    export npm_config_nodedir=/usr        # build native modules against /usr/include/node, no header download
    export npm_config_yes=true            # node-pty's build step runs `npx node-gyp`
    export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
    printf '{"name":"promptwise-e2e-code-server","private":true}\n' > package.json
    # The package's own postinstall wants network access outside the npm registry
    # (ripgrep from GitHub), so do what it does by hand.
    npm install --ignore-scripts --no-save "code-server@$CODE_SERVER_VERSION" >&2
    npm rebuild argon2 >&2
    cd node_modules/code-server/lib/vscode
    npm install --omit=dev --ignore-scripts >&2
    mkdir -p node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg   # its postinstall skips when bin/ exists
    npm rebuild >&2
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
    (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
    (cd extensions && npm install --omit=dev >&2)
  )
  XDG_CONFIG_HOME="$CS_DIR/xdg" "$CS_DIR/node_modules/.bin/code-server" --version >&2
  touch "$CS_DIR/.complete"
fi

# -------------------------------------------------------------- playwright-core
if [ -f "$PW_DIR/node_modules/playwright-core/package.json" ] \
   && grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$PW_DIR/node_modules/playwright-core/package.json"; then
  log "playwright-core $PLAYWRIGHT_VERSION cached in $PW_DIR"
else
  log "installing playwright-core $PLAYWRIGHT_VERSION into $PW_DIR"
  mkdir -p "$PW_DIR"
  printf '{"name":"promptwise-e2e-playwright","private":true}\n' > "$PW_DIR/package.json"
  (cd "$PW_DIR" && npm install --no-save --no-fund --no-audit "playwright-core@$PLAYWRIGHT_VERSION" >&2)
fi

command -v chromium >/dev/null || { log "chromium missing after install"; exit 1; }
echo "$CACHE"
