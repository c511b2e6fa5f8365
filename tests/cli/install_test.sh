#!/usr/bin/env bash
# The Debian package, as a user gets it: cpack builds it from this build, it
# installs with apt-get (or, without root, is unpacked into a private root),
# and the installed flywheel, run from an empty folder with FLYWHEEL_HOME
# unset, stamps a copy of the shop and answers tools/list over stdio. The
# binary must not mention the source tree it was built from.
#
#   install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset FLYWHEEL_HOME

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" >cpack.log 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/flywheel_*.deb)
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -f "$deb" Depends | tee "$work/depends"
for lib in libgit2 libsqlite3 libtree-sitter; do
  grep -q "$lib" "$work/depends" || { echo "FAIL: Depends lacks $lib"; exit 1; }
done

if [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
  bin=/usr/bin/flywheel
  [ "$(dpkg-query -W -f='${Status}' flywheel)" = "install ok installed" ] || { echo "FAIL: dpkg does not list flywheel"; exit 1; }
else
  echo "not root: unpacking the package into a private root instead of apt-get install"
  dpkg-deb -x "$deb" "$work/root"
  bin=$work/root/usr/bin/flywheel
fi
[ -x "$bin" ] || { echo "FAIL: $bin is missing"; exit 1; }
if grep -q -a "$src" "$bin"; then echo "FAIL: $bin mentions the source tree $src"; exit 1; fi
"$bin" --version | grep -q '^flywheel [0-9]' || { echo "FAIL: --version"; exit 1; }

# A universe far from the source tree, run from an empty folder.
mkdir -p "$work/empty" "$work/shop"
cp -R "$src/examples/shop/." "$work/shop/"
rm -f "$work/shop/services/user/src/generated.rs"
git -C "$work/shop" init -q && git -C "$work/shop" add -A && git -C "$work/shop" -c user.name=t -c user.email=t@localhost commit -qm shop
cd "$work/empty"
"$bin" --universe "$work/shop" stamp >"$work/stamp.log" 2>&1 || { cat "$work/stamp.log"; exit 1; }
grep -q 'pub struct UserProfile' "$work/shop/services/user/src/generated.rs" ||
  { echo "FAIL: stamping did not write user's generated.rs"; cat "$work/stamp.log"; exit 1; }
reply=$(printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
  timeout 30 "$bin" --universe "$work/shop" serve --stdio 2>"$work/serve.log")
for tool in cascade_start kb_search universe_overview; do
  echo "$reply" | grep -q "\"$tool\"" || { echo "FAIL: tools/list lacks $tool"; cat "$work/serve.log"; exit 1; }
done
echo "1 passed, 0 failed"
