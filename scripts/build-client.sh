#!/usr/bin/env bash
# Builds the client into dist/ unless it is already built from the current sources.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/.build-stamp
sources=(app sw shared public index.html vite.config.ts package-lock.json)
if [[ -f $stamp && -f dist/index.html ]] && [[ -z $(find "${sources[@]}" -newer "$stamp" -print -quit) ]]; then
  exit 0
fi
printf '[build] building the client (vite)\n' >&2
node_modules/.bin/vite build --logLevel warn >&2
touch "$stamp"
