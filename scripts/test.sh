#!/usr/bin/env bash
# `npm test`: every test. Sets up what is missing (Chromium and coturn included), type-checks, builds the client, then runs
# the unit and end-to-end suites (real Chromium against the real server and mediasoup).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
export PATH="$PWD/node_modules/.bin:$PATH"
printf '[test] type-checking\n' >&2
tsc --noEmit -p tsconfig.json
bash scripts/build-client.sh
vitest run "$@"
