#!/usr/bin/env python3
"""Patch mediasoup's worker/meson.build for the offline build (see build.sh).

Usage: patch-meson.py <worker dir> <compat dir>

Upstream pulls libuv, OpenSSL, libsrtp3, flatbuffers and unordered_dense as
meson subprojects downloaded from GitHub. Offline we use instead:
  - Debian's libuv1-dev and libflatbuffers-dev (pkg-config),
  - a static OpenSSL 3.5 and a static libsrtp 2.x built by build.sh
    (Debian 12's own OpenSSL 3.0 crashes the worker on the first DTLS
    handshake, so the versions are pinned below to refuse the system one),
  - header-only shims in <compat dir> for unordered_dense and the libsrtp3 API.

Every edit must match exactly what is expected; otherwise this exits 1 and
says what it did not find, so a mediasoup release that changed its
meson.build is noticed instead of being silently mis-built.
"""

import os
import re
import sys

MARKER = "# patched by huddle scripts/mediasoup-worker/patch-meson.py"

# Subprojects replaced by system / build.sh-provided pkg-config dependencies.
# key: subproject name in subproject('...'); value: (proj variable, replacement)
REPLACED = {
    "libuv": ("libuv_proj", "dependency('libuv')"),
    "openssl": ("openssl_proj", "dependency('openssl', version: '>= 3.5', static: true)"),
    "libsrtp3": ("libsrtp3_proj", "dependency('libsrtp2', version: '>= 2.6', static: true)"),
    "flatbuffers": ("flatbuffers_proj", "dependency('flatbuffers')"),
}


def die(msg, hint=True):
    sys.stderr.write("patch-meson.py: ERROR: %s\n" % msg)
    if hint:
        sys.stderr.write(
            "patch-meson.py: this mediasoup version's worker/meson.build differs from "
            "what the offline build knows (written for 3.27.x); update "
            "scripts/mediasoup-worker/patch-meson.py.\n"
        )
    sys.exit(1)


def sub_once(pattern, repl, text, what, flags=re.MULTILINE):
    """re.subn that insists on exactly one match."""
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n != 1:
        die("expected exactly 1 match for %s, found %d" % (what, n))
    return new


def meson_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: patch-meson.py <worker dir> <compat dir>\n")
        sys.exit(2)
    worker_dir, compat_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    path = os.path.join(worker_dir, "meson.build")
    if not os.path.isfile(path):
        die("%s not found" % path)
    for header in ("srtp.h", os.path.join("ankerl", "unordered_dense.h")):
        if not os.path.isfile(os.path.join(compat_dir, header)):
            die("compat header %s missing in %s" % (header, compat_dir))

    with open(path, encoding="utf-8") as f:
        text = f.read()
    if MARKER in text:
        die("%s is already patched (start from a fresh copy)" % path, hint=False)

    # 1. Drop the subproject() blocks: `<x>_proj = subproject(\n  '<x>', ...\n)`.
    #    The block ends at the first line that is exactly ')'.
    for name, (var, _) in REPLACED.items():
        text = sub_once(
            r"^%s = subproject\(\s*'%s'.*?^\)\n" % (re.escape(var), re.escape(name)),
            "",
            text,
            "the %s = subproject('%s', ...) block" % (var, name),
            flags=re.MULTILINE | re.DOTALL,
        )

    # 2. unordered_dense comes from the compat dir (header only).
    text = sub_once(
        r"^ankerl_unordered_dense_dep = dependency\('unordered_dense'\)$",
        "ankerl_unordered_dense_dep = declare_dependency(\n"
        "  include_directories: include_directories(%s),\n)" % meson_str(compat_dir),
        text,
        "ankerl_unordered_dense_dep = dependency('unordered_dense')",
    )

    # 3. In the top-level `dependencies = [...]`, swap each
    #    `<x>_proj.get_variable('...')` for its pkg-config dependency.
    m = re.search(r"^dependencies = \[\n(.*?)^\]\n", text, re.MULTILINE | re.DOTALL)
    if not m:
        die("top-level 'dependencies = [ ... ]' list not found")
    body = m.group(1)
    for name, (var, dep) in REPLACED.items():
        body, n = re.subn(
            r"^(\s*)%s\.get_variable\('[^']*'\)," % re.escape(var), r"\g<1>" + dep + ",", body, flags=re.MULTILINE
        )
        if n != 1:
            die("expected 1 '%s.get_variable(...)' entry in 'dependencies', found %d" % (var, n))
    if "_proj." in body:
        die("unexpected subproject entry left in 'dependencies':\n" + body)
    text = text[: m.start(1)] + body + text[m.end(1):]

    # 4. `link_whole = [...]` only lists the subprojects' libraries: empty it.
    m = re.search(r"^link_whole = \[\n(.*?)^\]\n", text, re.MULTILINE | re.DOTALL)
    if not m:
        die("top-level 'link_whole = [ ... ]' list not found")
    entries = [e.strip() for e in m.group(1).strip().splitlines() if e.strip()]
    expected_vars = {var for var, _ in REPLACED.values()}
    for e in entries:
        if not re.fullmatch(r"(\w+)\.get_variable\('[^']*'\),?", e) or e.split(".")[0] not in expected_vars:
            die("unexpected entry in 'link_whole': %s" % e)
    if len({e.split(".")[0] for e in entries}) != len(expected_vars):
        die("'link_whole' does not list all of %s" % sorted(expected_vars))
    text = text[: m.start()] + "link_whole = []\n" + text[m.end():]

    # 5. Nothing may still refer to the removed subprojects.
    for var, _ in REPLACED.values():
        if re.search(r"\b%s\b" % re.escape(var), text):
            die("'%s' is still referenced after patching" % var)

    # 6. libwebrtc's bandwidth estimation (the upstream default, required: the
    #    built-in BWE of 3.27 sends no transport-cc feedback and video collapses
    #    to the lowest layer) takes abseil from Debian's libabsl-dev.
    text = sub_once(
        r"^  abseil_cpp_proj = subproject\(\s*'abseil-cpp'.*?^  \)\n",
        "",
        text,
        "the indented abseil_cpp_proj = subproject('abseil-cpp', ...) block",
        flags=re.MULTILINE | re.DOTALL,
    )
    for lib in ("absl_container_dep", "absl_container_lib"):
        text = sub_once(
            r"^\s*abseil_cpp_proj\.get_variable\('%s'\),\n" % lib, "", text, "the %s entry" % lib
        )
    if "abseil_cpp_proj" in text:
        die("'abseil_cpp_proj' is still referenced in worker/meson.build after patching")

    with open(path, "w", encoding="utf-8") as f:
        f.write(MARKER + "\n" + text)
    sys.stderr.write("patch-meson.py: patched %s\n" % path)
    patch_libwebrtc(os.path.join(worker_dir, "deps", "libwebrtc", "meson.build"))


# deps/libwebrtc/meson.build: same subprojects, plus abseil's strings and optional.
LIBWEBRTC_DEPS = {
    "libuv_proj.get_variable('libuv_dep')": "dependency('libuv')",
    "openssl_proj.get_variable('openssl_dep')": "dependency('openssl', version: '>= 3.5', static: true)",
    "flatbuffers_proj.get_variable('flatbuffers_dep')": "dependency('flatbuffers')",
    "abseil_cpp_proj.get_variable('absl_strings_dep')": "dependency('absl_strings')",
    "abseil_cpp_proj.get_variable('absl_types_dep')": "dependency('absl_optional')",
}


def patch_libwebrtc(path):
    if not os.path.isfile(path):
        die("%s not found" % path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = sub_once(
        r"^abseil_cpp_proj = subproject\(\s*'abseil-cpp'.*?^\)\n",
        "",
        text,
        "deps/libwebrtc's abseil_cpp_proj = subproject('abseil-cpp', ...) block",
        flags=re.MULTILINE | re.DOTALL,
    )
    for old, new in LIBWEBRTC_DEPS.items():
        if old not in text:
            die("deps/libwebrtc/meson.build has no %s" % old)
        text = text.replace(old, new)
    if "_proj" in text:
        die("a subproject is still referenced in deps/libwebrtc/meson.build after patching")
    with open(path, "w", encoding="utf-8") as f:
        f.write(MARKER + "\n" + text)
    sys.stderr.write("patch-meson.py: patched %s\n" % path)


if __name__ == "__main__":
    main()
