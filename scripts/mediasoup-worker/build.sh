#!/usr/bin/env bash
# Builds mediasoup's C++ worker (mediasoup-worker) offline on Debian 12 and
# caches it outside the repository: once per machine and mediasoup version.
#
# Why: mediasoup's npm postinstall downloads a prebuilt worker from GitHub, or
# builds one with pip and meson wraps from GitHub; offline, both fail. This
# uses only the npm registry and the Debian mirror (facts and the e2e proof:
# shared/notes/mediasoup-offline.md):
#   - OpenSSL 3.5.x from trixie sources, static. Debian 12's OpenSSL 3.0
#     crashes the worker on the first DTLS handshake: never link the system one.
#   - libsrtp 2.x from trixie sources, static, on that OpenSSL; compat/srtp.h
#     maps the libsrtp3 API mediasoup expects onto it.
#   - meson from trixie's .deb (bookworm's is too old); libuv and flatbuffers
#     from bookworm; compat/ankerl for unordered_dense; patch-meson.py rewires
#     worker/meson.build and deps/libwebrtc/meson.build.
#   - libwebrtc's bandwidth estimation (GoogCC, the upstream default) with
#     Debian's libabsl-dev. mediasoup 3.27's built-in BWE sends no
#     transport-cc feedback: Chromium's estimate collapses to ~84 kbit/s and
#     only the 320 px simulcast layer flows.
#
# Usage: scripts/mediasoup-worker/build.sh <mediasoup-version>   (e.g. 3.27.1)
#        scripts/mediasoup-worker/build.sh --print-path <mediasoup-version>
# stdout: only the absolute path of the binary. Progress goes to stderr.
# Env: HUDDLE_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/huddle),
#      HUDDLE_DEBIAN_MIRROR (default: the Debian mirror apt already uses),
#      HUDDLE_BUILD_JOBS (default: nproc), HUDDLE_VERBOSE=1 (show tool output).
set -euo pipefail

exec 3>&1 1>&2 4>&2 # fd 3: the real stdout, for the result only; fd 4: stderr

mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
say() { printf 'mediasoup-worker: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

PRINT_PATH=0
if [[ ${1:-} == --print-path ]]; then PRINT_PATH=1; shift; fi
[[ $# -eq 1 ]] || { say "usage: $0 [--print-path] <mediasoup-version>   (e.g. 3.27.1)"; exit 2; }
VERSION=$1
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || die "not a mediasoup version: '$VERSION'"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_DIR=${HUDDLE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/huddle}
[[ $CACHE_DIR == /* ]] || CACHE_DIR=$PWD/$CACHE_DIR
# The flavour names how the worker is built: a build that changes what the
# binary does gets a new flavour, so machines that cached an older build
# rebuild (server/sfu/workerBin.ts holds the same name).
FLAVOUR=libwebrtc-bwe
OUT_DIR=$CACHE_DIR/mediasoup-worker-$VERSION-$FLAVOUR
OUT=$OUT_DIR/mediasoup-worker
if ((PRINT_PATH)); then printf '%s\n' "$OUT" >&3; exit 0; fi

# Already built: answer at once.
if [[ -f $OUT && -x $OUT ]]; then printf '%s\n' "$OUT" >&3; exit 0; fi

mkdir -p "$CACHE_DIR"
# One build per version at a time (e.g. two installs started together).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE_DIR/.mediasoup-worker-$VERSION.lock"
	if ! flock -n 9; then
		say "another build of mediasoup-worker $VERSION is running; waiting for it"
		flock 9
	fi
	if [[ -f $OUT && -x $OUT ]]; then printf '%s\n' "$OUT" >&3; exit 0; fi
fi

say "mediasoup $VERSION has no prebuilt worker reachable offline (it comes from GitHub);"
say "building it once for this machine from Debian sources (4-10 min on 2 cores)."
say "result: $OUT"

[[ $(uname -s) == Linux ]] || die "only Debian 12 (Linux) is supported"
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
	die "needs a Debian system (apt-get, dpkg); this build is written for Debian 12"
fi
# shellcheck disable=SC1091
CODENAME=$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}") || CODENAME=""
[[ $CODENAME == bookworm ]] || say "note: written for Debian 12 (bookworm), this is '${CODENAME:-unknown}'; trying anyway"
command -v npm >/dev/null || die "npm is needed to fetch mediasoup's sources from the npm registry (install Node.js)"

START=$SECONDS
JOBS=${HUDDLE_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
ROOT=$(mktemp -d "$CACHE_DIR/.build-mediasoup-worker-$VERSION.XXXXXX")
LOG=$ROOT/build.log
SRC=$ROOT/src
FAILED_LOG=$CACHE_DIR/mediasoup-worker-$VERSION.failed.log
STEP="starting"
mkdir -p "$SRC"

on_exit() {
	local rc=$?
	exec 1>&4 2>&4 # errexit may fire inside run's log redirection
	if ((rc != 0)); then
		say "FAILED (exit $rc) while: $STEP"
		if [[ -s $LOG ]]; then
			cp -f "$LOG" "$FAILED_LOG" || true
			say "last lines of the build log (full log: $FAILED_LOG):"
			tail -n 40 "$LOG" >&2 || true
		fi
	fi
	rm -rf "$ROOT"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run <what> <command...>: tool output goes to the log (stderr if HUDDLE_VERBOSE=1).
run() {
	local t0=$SECONDS
	STEP=$1
	shift
	say "$STEP"
	if [[ ${HUDDLE_VERBOSE:-0} == 1 ]]; then "$@" >&2; else "$@" >>"$LOG" 2>&1; fi
	if ((SECONDS - t0 >= 20)); then say "  ... took $(mmss $((SECONDS - t0)))"; fi
}

# --- 1. Debian mirror -----------------------------------------------------------
# The Debian mirror this machine already uses: first main-archive http(s) URI
# from one-line (sources.list, *.list) or deb822 (*.sources) entries.
list_apt_uris() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			print $i, $(i + 1) }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v RS= '{
			n = split($0, L, "\n"); t = ""; u = ""; s = ""; en = "yes"; k = ""
			for (i = 1; i <= n; i++) {
				if (L[i] ~ /^#/) continue
				if (L[i] ~ /^[ \t]/) v = L[i]
				else if (match(L[i], /^[A-Za-z0-9-]+:/)) { k = tolower(substr(L[i], 1, RLENGTH - 1)); v = substr(L[i], RLENGTH + 1) }
				else continue
				if (k == "types") t = t " " v; else if (k == "uris") u = u " " v
				else if (k == "suites") s = s " " v; else if (k == "enabled") en = v
			}
			gsub(/[ \t]/, "", en)
			if (tolower(en) == "no" || (t " ") !~ /[ \t]deb[ \t]/) next
			ns = split(s, S, /[ \t]+/); nu = split(u, U, /[ \t]+/)
			for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) if (U[a] != "" && S[b] != "") print U[a], S[b]
		}' "$f"
	done
}
detect_mirror() {
	local uri suite
	while read -r uri suite; do
		[[ $uri =~ ^https?:// && $uri != *security* && $suite != *security* ]] || continue
		[[ $suite =~ ^(bullseye|bookworm|trixie|forky|sid|oldstable|stable|testing|unstable)(-updates|-backports)?$ ]] || continue
		printf '%s\n' "${uri%/}"
		return 0
	done < <(list_apt_uris)
	return 1
}
if [[ -n ${HUDDLE_DEBIAN_MIRROR:-} ]]; then
	MIRROR=${HUDDLE_DEBIAN_MIRROR%/}
elif ! MIRROR=$(detect_mirror); then
	MIRROR=http://deb.debian.org/debian
	say "note: no Debian mirror found in /etc/apt; using $MIRROR"
fi
say "Debian mirror: $MIRROR (trixie sources via a private apt config, system apt untouched)"

# --- 2. System packages (bookworm) ---------------------------------------------
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PKGS=(gcc g++ make perl python3 ninja-build pkg-config libuv1-dev libflatbuffers-dev
	flatbuffers-compiler libabsl-dev tar gzip xz-utils debian-archive-keyring)
[[ $MIRROR == https://* ]] && PKGS+=(ca-certificates)
MISSING=()
for p in "${PKGS[@]}"; do
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) == installed ]] || MISSING+=("$p")
done
if ((${#MISSING[@]})); then
	if ((EUID == 0)); then
		export DEBIAN_FRONTEND=noninteractive
		run "updating apt lists to install: ${MISSING[*]}" apt-get update
		run "installing build packages: ${MISSING[*]}" apt-get install -y --no-install-recommends "${MISSING[@]}"
	else
		die "missing Debian packages; run as root: apt-get install -y --no-install-recommends ${MISSING[*]}"
	fi
fi
[[ -f $KEYRING ]] || die "$KEYRING is missing (package debian-archive-keyring)"

# --- 3. mediasoup sources, patched first: a meson.build this script does not
# know fails here, before minutes of building.
get_mediasoup() (cd "$SRC" && npm_config_update_notifier=false npm pack "mediasoup@$VERSION")
run "fetching mediasoup $VERSION from the npm registry" get_mediasoup
mkdir -p "$ROOT/ms"
tar -xzf "$SRC/mediasoup-$VERSION.tgz" -C "$ROOT/ms"
WORKER_SRC=$ROOT/ms/package/worker
[[ -f $WORKER_SRC/meson.build ]] || die "mediasoup $VERSION has no worker/meson.build"

run "patching mediasoup's worker/meson.build for Debian libraries" \
	python3 "$SCRIPT_DIR/patch-meson.py" "$WORKER_SRC" "$SCRIPT_DIR/compat"

# --- 4. Private apt config for trixie sources --------------------------------
APT_DIR=$ROOT/apt
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
printf 'deb [signed-by=%s] %s trixie main\ndeb-src [signed-by=%s] %s trixie main\n' \
	"$KEYRING" "$MIRROR" "$KEYRING" "$MIRROR" >"$APT_DIR/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/nonexistent
	-o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
	-o Acquire::Languages=none -o Acquire::Retries=3)
# As root apt downloads as _apt, which cannot enter our 0700 temp dir.
((EUID == 0)) && APT_OPTS+=(-o APT::Sandbox::User=root)
run "reading the trixie package lists" apt-get "${APT_OPTS[@]}" update

# fetch_orig <source package> <upstream version prefix>: the mirror lists
# versions whose files may 404, so try them newest first until one's orig
# tarball downloads and matches the signed index. Sets ORIG_FILE and ORIG_VER.
fetch_orig() {
	local pkg=$1 prefix=$2 line ver file sum up
	local -a cands=()
	mapfile -t cands < <(apt-cache "${APT_OPTS[@]}" showsrc "$pkg" 2>>"$LOG" | awk -v pkg="$pkg" '
		/^$/ { p = ""; c = 0 } /^Package:/ { p = $2 } /^Version:/ { v = $2 }
		/^[^ ]/ { c = ($0 ~ /^Checksums-Sha256:/); next }
		c && p == pkg && $3 ~ /\.orig\.tar\.(gz|xz|bz2)$/ { print v, $3, $1 }' | sort -rVu)
	for line in "${cands[@]}"; do
		read -r ver file sum <<<"$line"
		up=${ver#*:}
		up=${up%-*}
		[[ $up == "$prefix"* ]] || continue
		STEP="downloading $pkg $ver source"
		say "$STEP"
		# Non-zero whenever e.g. the .dsc 404s; only the orig tarball matters.
		(cd "$SRC" && apt-get "${APT_OPTS[@]}" source --download-only "$pkg=$ver") >>"$LOG" 2>&1 || true
		if [[ -f $SRC/$file ]] && printf '%s  %s\n' "$sum" "$SRC/$file" | sha256sum -c --status; then
			ORIG_FILE=$SRC/$file
			ORIG_VER=$up
			return 0
		fi
		say "  $file is not served by the mirror; trying an older version"
		rm -f "$SRC/$file"
	done
	die "no $pkg $prefix* source tarball could be downloaded from $MIRROR (trixie)"
}

# unpack <tarball> <dest>: extract and rename its single top directory to dest.
unpack() {
	local tmp=$ROOT/unpack.tmp
	local -a top
	mkdir "$tmp"
	tar -xf "$1" -C "$tmp"
	top=("$tmp"/*)
	[[ ${#top[@]} -eq 1 && -d ${top[0]} ]] || die "unexpected layout of $1"
	mv "${top[0]}" "$2"
	rmdir "$tmp"
}

# --- 5. Trixie sources ---------------------------------------------------------------
get_meson() (cd "$SRC" && apt-get "${APT_OPTS[@]}" download meson/trixie)
run "downloading meson (trixie .deb; bookworm's is too old for mediasoup)" get_meson
MESON_DEB=("$SRC"/meson_*_all.deb)
[[ -f ${MESON_DEB[0]} ]] || die "meson .deb not downloaded"
dpkg -x "${MESON_DEB[0]}" "$ROOT/meson"
# ninja re-runs meson (regen, install), so this must hold for the whole build.
export PYTHONPATH=$ROOT/meson/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
MESON=(python3 "$ROOT/meson/usr/bin/meson")
MESON_VERSION=$("${MESON[@]}" --version)
dpkg --compare-versions "$MESON_VERSION" ge 1.1 || die "meson $MESON_VERSION from trixie is older than 1.1"

fetch_orig openssl 3.5.
OPENSSL_FILE=$ORIG_FILE OPENSSL_VER=$ORIG_VER
fetch_orig libsrtp2 2.
SRTP_FILE=$ORIG_FILE SRTP_VER=$ORIG_VER

# --- 6. Build -------------------------------------------------------------------
build_openssl() (
	unpack "$OPENSSL_FILE" "$ROOT/openssl-src"
	cd "$ROOT/openssl-src"
	./config no-shared no-tests no-docs --prefix="$ROOT/openssl" --libdir=lib
	make -j"$JOBS" build_libs
	make install_dev
)
run "building OpenSSL $OPENSSL_VER (static; Debian 12's 3.0 crashes the worker in DTLS)" build_openssl

# PKG_CONFIG_LIBDIR: libsrtp may only see our OpenSSL, never the system one.
build_srtp() (
	unpack "$SRTP_FILE" "$ROOT/srtp-src"
	cd "$ROOT/srtp-src"
	PKG_CONFIG_LIBDIR=$ROOT/openssl/lib/pkgconfig "${MESON[@]}" setup build \
		--prefix="$ROOT/srtp" --libdir=lib --buildtype=release --wrap-mode=nodownload \
		-Ddefault_library=static -Dcrypto-library=openssl -Dcrypto-library-kdf=disabled \
		-Dtests=disabled -Ddoc=disabled -Dpcap-tests=disabled
	ninja -C build -j"$JOBS" install
)
run "building libsrtp $SRTP_VER (static, on that OpenSSL)" build_srtp

build_worker() (
	export PKG_CONFIG_PATH=$ROOT/openssl/lib/pkgconfig:$ROOT/srtp/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
	"${MESON[@]}" setup "$ROOT/worker-build" "$WORKER_SRC" --buildtype=release -Db_ndebug=true \
		-Dms_use_builtin_bwe=false -Dms_build_tests=false --wrap-mode=nodownload
	ninja -C "$ROOT/worker-build" -j"$JOBS" mediasoup-worker
)
run "building mediasoup-worker $VERSION (meson $MESON_VERSION, $JOBS jobs; the longest step)" build_worker

# --- 7. Smoke check, then atomic install ----------------------------------------
STEP="checking the binary"
say "$STEP"
BIN=$ROOT/worker-build/mediasoup-worker
[[ -f $BIN && -x $BIN ]] || die "the build produced no executable $BIN"
LDD=$(ldd "$BIN") || die "ldd failed on $BIN"
if grep -Eq 'libssl|libcrypto|libsrtp' <<<"$LDD"; then
	die "$BIN links a shared libssl/libcrypto/libsrtp (must be the static OpenSSL $OPENSSL_VER):"$'\n'"$LDD"
fi
if grep -q 'not found' <<<"$LDD"; then die "unresolved shared libraries:"$'\n'"$LDD"; fi
grep -q libabsl <<<"$LDD" || die "$BIN was built without libwebrtc's bandwidth estimation (no abseil linked)"
grep -aq "OpenSSL ${OPENSSL_VER%%[+~]*} " "$BIN" || die "OpenSSL $OPENSSL_VER is not inside $BIN"
# Without MEDIASOUP_VERSION the worker exits 41 by design: proves it loads and starts.
rc=0
env -u MEDIASOUP_VERSION "$BIN" </dev/null >/dev/null 2>&1 || rc=$?
[[ $rc -eq 41 ]] || die "$BIN exited $rc when started alone (expected 41)"

mkdir -p "$OUT_DIR"
cat >"$OUT_DIR/build-info.txt" <<EOF
mediasoup-worker $VERSION built by scripts/mediasoup-worker/build.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)
openssl $OPENSSL_VER (static), libsrtp $SRTP_VER (static), meson $MESON_VERSION, mirror $MIRROR
-Dms_use_builtin_bwe=false (libwebrtc BWE); libuv, flatbuffers and abseil from Debian ${CODENAME:-?}
EOF
mv -f "$BIN" "$OUT"
rm -f "$FAILED_LOG"
say "done in $(mmss $((SECONDS - START))): $OUT"
printf '%s\n' "$OUT" >&3
