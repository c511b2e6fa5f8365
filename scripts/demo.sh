#!/usr/bin/env bash
# Builds flywheel and starts it on the bundled example universe over
# Streamable HTTP, after printing how to connect Claude Code.
#
# The example is copied once into its own git repository (build/demo-shop by
# default, or $FLYWHEEL_DEMO_DIR) so that cascades move that copy's branch,
# never flywheel's own. Port: $FLYWHEEL_PORT (default 8787).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/setup.sh --build
scripts/build.sh --target flywheel
BIN=$ROOT/build/cli/flywheel
DEMO=${FLYWHEEL_DEMO_DIR:-$ROOT/build/demo-shop}
PORT=${FLYWHEEL_PORT:-8787}

if [ ! -d "$DEMO/.git" ]; then
  mkdir -p "$DEMO"
  cp -R examples/shop/. "$DEMO/"
  git -C "$DEMO" init -q -b main
  git -C "$DEMO" add -A
  git -C "$DEMO" -c user.name=flywheel -c user.email=flywheel@localhost commit -q -m "The shop universe"
fi

echo "== The example universe: $DEMO"
"$BIN" --universe "$DEMO" check || true
"$BIN" --universe "$DEMO" graph || true
cat <<MSG

== Connect Claude Code
  over HTTP (this server):  claude mcp add --transport http flywheel http://127.0.0.1:$PORT/mcp
  over stdio (no server):   claude mcp add flywheel -- $BIN serve --stdio --universe $DEMO

  or in the universe's .mcp.json:
  {
    "mcpServers": {
      "flywheel": { "command": "$BIN", "args": ["serve", "--stdio", "--universe", "$DEMO"] }
    }
  }

== Try it: change user/UserProfile.id from i32 to String in
   $DEMO/services/user/intent.lisp, commit, and ask Claude Code to
   "use the flywheel cascade prompt to repair the universe".

== Serving $DEMO on http://127.0.0.1:$PORT/mcp (Ctrl-C stops)
MSG
exec "$BIN" --universe "$DEMO" serve --http "127.0.0.1:$PORT"
