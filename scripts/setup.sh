#!/usr/bin/env bash
# Makes this checkout runnable: the mediasoup worker, npm dependencies (with Node 24 among them) and, with
# --for-tests, what the tests drive: Chromium, coturn and iproute2. Idempotent: a second run only checks and returns.
#
# Online, mediasoup's own install downloads its prebuilt worker. Offline (no GitHub), the worker is built once per
# machine from Debian sources (scripts/mediasoup-worker/build.sh) and npm is told where it is, so `npm ci` never
# tries to download it. Run with the system's Node and npm: nothing here needs Node 24 yet.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

for_tests=0
for arg in "$@"; do
  case $arg in
    --for-tests) for_tests=1 ;;
    *) die "unknown option $arg (known: --for-tests)" ;;
  esac
done

command -v node >/dev/null && command -v npm >/dev/null ||
  die "Node.js and npm are needed (any version ≥ 18; the project brings its own Node 24). Install them first."

# Installs Debian packages when we can (root + apt), else names them and stops.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing system packages: ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    die "missing system packages: ${missing[*]} — install them (e.g. sudo apt-get install ${missing[*]}) and run again"
  fi
}

# Tests drive Chromium, start coturn, cut a network link between namespaces (ip, from iproute2), read
# recordings with ffprobe/ffmpeg and join servers into one service through Redis.
if ((for_tests)) && { [[ ! -x /usr/bin/chromium ]] || ! command -v turnserver >/dev/null || ! command -v ip >/dev/null ||
  ! command -v ffprobe >/dev/null || ! command -v redis-server >/dev/null; }; then
  command -v dpkg-query >/dev/null ||
    die "tests need Chromium at /usr/bin/chromium, coturn's turnserver, iproute2's ip, ffmpeg and redis-server"
  ensure_packages chromium coturn iproute2 ffmpeg redis-server
fi

mediasoup_version=$(node -p "require('./package.json').dependencies.mediasoup")
cached_worker=$(bash scripts/mediasoup-worker/build.sh --print-path "$mediasoup_version")

# Which worker: an explicit one, one built here before, the prebuilt download (online), or a local build.
if [[ -z ${MEDIASOUP_WORKER_BIN:-} ]]; then
  if [[ -x $cached_worker ]]; then
    export MEDIASOUP_WORKER_BIN=$cached_worker
    # Built here or copied from a like machine: the shared libraries it links (libuv, abseil) must be present.
    if ldd "$cached_worker" | grep -q 'not found'; then ensure_packages libuv1 libabsl20220623; fi
  elif [[ -x node_modules/mediasoup/worker/out/Release/mediasoup-worker ]]; then
    : # installed before with the prebuilt worker
  elif [[ ${HUDDLE_FORCE_WORKER_BUILD:-0} != 1 ]] && command -v curl >/dev/null &&
    curl -fsS -o /dev/null --max-time 5 "https://github.com/versatica/mediasoup/releases" 2>/dev/null; then
    say "GitHub is reachable: mediasoup's install will download its prebuilt worker"
  else
    MEDIASOUP_WORKER_BIN=$(bash scripts/mediasoup-worker/build.sh "$mediasoup_version")
    export MEDIASOUP_WORKER_BIN
  fi
fi

# npm dependencies: reinstall only when the lockfile (or the worker choice) changed since the last install.
stamp_file=node_modules/.huddle-install
stamp="$(sha256sum package-lock.json | cut -d' ' -f1) ${MEDIASOUP_WORKER_BIN:-prebuilt}"
if [[ ! -f $stamp_file || $(cat "$stamp_file") != "$stamp" ]]; then
  say "installing npm dependencies (npm ci)"
  if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
    [[ -z ${MEDIASOUP_WORKER_BIN:-} ]] || die "npm ci failed"
    say "npm ci failed, perhaps mediasoup's worker download: building the worker here and trying again"
    MEDIASOUP_WORKER_BIN=$(bash scripts/mediasoup-worker/build.sh "$mediasoup_version")
    export MEDIASOUP_WORKER_BIN
    stamp="${stamp% *} $MEDIASOUP_WORKER_BIN"
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  printf '%s' "$stamp" >"$stamp_file"
fi
[[ -x node_modules/.bin/node ]] || die "node_modules/.bin/node (Node 24 from npm) is missing after install"
