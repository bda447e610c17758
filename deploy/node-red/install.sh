#!/bin/sh
# Installs the pinned Node-RED of deploy/node-red/package.json from npm into a cache folder, once:
# NodeRedFlowTest (deploy-tests) runs it from there. Re-running is cheap when that version is already there.
# Usage: deploy/node-red/install.sh [DIR]   (default: $COLMEIA_NODE_RED_HOME, else ~/.cache/colmeia/node-red)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-${COLMEIA_NODE_RED_HOME:-$HOME/.cache/colmeia/node-red}}
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: $tool is not installed (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
done
wanted=$(node -p "require('$here/package.json').dependencies['node-red']")
installed=$(node -p "try { require('$target/node_modules/node-red/package.json').version } catch (e) { '' }")
if [ "$installed" = "$wanted" ]; then
    echo "install.sh: node-red $wanted already in $target"
    exit 0
fi
echo "install.sh: installing node-red $wanted into $target"
# into a fresh folder first, so an interrupted install never looks complete
staging="$target.partial.$$"
rm -rf "$staging"
mkdir -p "$staging"
trap 'rm -rf "$staging"' EXIT
cp "$here/package.json" "$staging/package.json"
(cd "$staging" && npm install --omit=dev --no-audit --no-fund --no-package-lock --loglevel=error)
rm -rf "$target"
mkdir -p "$(dirname "$target")"
mv "$staging" "$target"
trap - EXIT
echo "install.sh: node-red $wanted installed in $target"
