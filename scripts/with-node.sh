#!/usr/bin/env bash
# The project's Node (the version in .nvmrc) first on PATH, on a machine whose own Node is older.
#   scripts/with-node.sh npm ci          run one command on it
#   source scripts/with-node.sh          put it first on PATH in this shell
# If `node` on PATH already has the major version of .nvmrc, nothing is installed. Otherwise the
# official binary is fetched once from the npm registry (package node-<os>-<arch>, the same files
# as nodejs.org) into ~/.cache/agentrent/node-<version> (AGENTRENT_CACHE_DIR), outside the checkout.
# npm is the machine's own (npm 10 or 11 run on any Node >= 20).

_agentrent_node() {
  local root want major have cache dir os arch pkg staging
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  want="$(tr -d ' \nv' <"$root/.nvmrc")"
  major="${want%%.*}"
  have="$(node -p 'process.versions.node' 2>/dev/null || true)"
  [ "${have%%.*}" = "$major" ] && return 0
  cache="${AGENTRENT_CACHE_DIR:-$HOME/.cache/agentrent}"
  dir="$cache/node-$want"
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null || { echo "with-node: npm is needed once to fetch Node $want" >&2; return 1; }
    case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "with-node: unsupported OS" >&2; return 1 ;; esac
    case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "with-node: unsupported CPU" >&2; return 1 ;; esac
    pkg="node-$os-$arch@$want"
    echo "with-node: Node ${have:-none} here; fetching $pkg into $dir (once)" >&2
    mkdir -p "$cache"
    staging="$(mktemp -d "$cache/.node-$want.XXXXXX")"
    chmod 755 "$staging"
    # --ignore-scripts: the package is a plain binary; nothing of it runs at install time.
    if ! npm install --prefix "$staging" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "$pkg" >&2; then
      rm -rf "$staging"
      return 1
    fi
    mkdir -p "$staging/bin"
    ln -s ../node_modules/"node-$os-$arch"/bin/node "$staging/bin/node"
    # Another run may have finished first: keep whichever landed.
    mv -T "$staging" "$dir" 2>/dev/null || rm -rf "$staging"
  fi
  PATH="$dir/bin:$PATH"
  export PATH
  hash -r
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  _agentrent_node
  unset -f _agentrent_node
else
  set -euo pipefail
  _agentrent_node
  [ "$#" -gt 0 ] || { echo "Node $(node -v) at $(command -v node)"; exit 0; }
  exec "$@"
fi
