#!/usr/bin/env bash
# `npm start`: sets up what is missing (first run on a machine: minutes, see setup.sh), builds the client when its
# sources changed, then serves on PORT (default 3000) with the project's own Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/build-client.sh
exec node server/index.ts
