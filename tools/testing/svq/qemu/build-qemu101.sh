#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) QEMU 10.1, the migration benchmark's reference and the
# QEMU >= 8 the upper device must stay transparent under.
#
# Usage: build-qemu101.sh [--print-dir | --check]
#   (none)       build once, then reuse; the directory is printed on the
#                last line of stdout
#   --print-dir  print the directory, build nothing
#   --check      exit 0 when the build is in the cache, 1 otherwise (the
#                scenarios skip on 1: make check never builds QEMU)
#
# The source is an offline tarball (SVQ_QEMU101_TARBALL, default
# /work/shared/third_party/qemu-10.1.0-src.tar.xz: upstream v10.1.0 with
# the subprojects a --disable-download build needs). The build goes into
# the cache next to the kernels, keyed like kernel.sh keys them: by the
# tarball's sha256 and the configure line. The directory holds the
# source tree and its build directory b/; QEMU runs as
#   DIR/b/qemu-system-x86_64 -L DIR/pc-bios ...
# Only qemu-system-x86_64 is built, with one ninja job (about 20 minutes
# on 2 cores; callers run it under nice).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tarball=${SVQ_QEMU101_TARBALL:-/work/shared/third_party/qemu-10.1.0-src.tar.xz}
cache=${SVQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-vdpa-svq}
configure=(--target-list=x86_64-softmmu --disable-download --disable-docs --disable-werror)
pkgs=(ninja-build libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev
	python3-venv flex bison pkg-config)

log() { echo "build-qemu101.sh: $*" >&2; }

mode=build
case "${1:-}" in
"") ;;
--print-dir) mode=print ;;
--check) mode=check ;;
*) log "unknown argument $1"; exit 2 ;;
esac

if [ ! -r "$tarball" ]; then
	[ "$mode" = check ] && exit 1
	log "$tarball missing (QEMU v10.1.0 with its subprojects; set SVQ_QEMU101_TARBALL)"
	exit 1
fi

# The tarball's hash is read once per tarball (33 MB) and kept next to it
# in the cache, keyed by its size and mtime.
stamp=$(stat -c '%s-%Y' "$tarball")
hashfile=$cache/qemu-10.1.0-tarball-$stamp.sha256
if [ -f "$hashfile" ]; then
	sum=$(cat "$hashfile")
else
	sum=$(sha256sum "$tarball" | cut -d' ' -f1)
	mkdir -p "$cache" && echo "$sum" > "$hashfile"
fi
key=$(echo "$sum ${configure[*]}" | sha256sum | cut -c1-16)
qdir=$cache/qemu-10.1.0-$key

if [ "$mode" = print ]; then
	echo "$qdir"
	exit 0
fi
if [ -f "$qdir/.svq-built" ]; then
	[ "$mode" = check ] && exit 0
	log "reusing $qdir (key $key)"
	echo "$qdir"
	exit 0
fi
[ "$mode" = check ] && exit 1

"$here/../deps.sh" "${pkgs[@]}" || {
	log "QEMU 10.1 needs: ${pkgs[*]}"
	exit 1
}

if [ ! -f "$qdir/.svq-unpacked" ]; then
	rm -rf "$qdir" "$qdir.tmp"
	mkdir -p "$qdir.tmp"
	log "unpacking $tarball"
	tar -C "$qdir.tmp" --strip-components=1 -xf "$tarball"
	mv "$qdir.tmp" "$qdir"
	touch "$qdir/.svq-unpacked"
fi

cd "$qdir"
if [ ! -f b/build.ninja ]; then
	rm -rf b
	mkdir b
	log "configuring: ${configure[*]}"
	(cd b && ../configure "${configure[@]}" >configure.log 2>&1) || {
		log "configure failed; see $qdir/b/configure.log"
		exit 1
	}
fi
log "building qemu-system-x86_64 with one job (cold: about 20 min)"
start=$(date +%s)
ninja -C b -j1 qemu-system-x86_64 >b/ninja.log 2>&1 || {
	log "build failed; tail of $qdir/b/ninja.log:"
	tail -20 b/ninja.log >&2
	exit 1
}
b/qemu-system-x86_64 --version | head -1 | grep -q 'version 10\.1\.' || {
	log "b/qemu-system-x86_64 is not QEMU 10.1"
	exit 1
}
log "built in $(( $(date +%s) - start ))s"
touch .svq-built
echo "$qdir"
