#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the test-bench kernel.
#
# Usage: kernel.sh [--debug] [--print-dir]
#
# The tree comes from Debian's linux-source-6.12 package and is unpacked
# into a cache directory outside the clone, keyed by the kernel version,
# the contents of patches/, of the test-bench-only kernel-patches/ and of
# the config fragments, so that:
#   - an unchanged key reuses the built tree (nothing is rebuilt);
#   - a changed patch or fragment gets a fresh tree, compiled through
#     ccache so that unchanged objects come from the cache.
# On success the tree's path is printed on the last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
variant=release
print_dir=0
for arg in "$@"; do
	case "$arg" in
	--debug) variant=debug ;;
	--print-dir) print_dir=1 ;;
	*) echo "kernel.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

tarball=/usr/src/linux-source-6.12.tar.xz
cache=${SVQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-vdpa-svq}
fragments=("$here/kernel.config")
[ "$variant" = debug ] && fragments+=("$here/kernel-debug.config")

if [ ! -r "$tarball" ]; then
	echo "kernel.sh: $tarball missing (apt-get install linux-source-6.12)" >&2
	exit 1
fi

pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
# patches/: the product's changes; kernel-patches/: the test bench's only
# (0000-cover-letter.patch is the series' cover letter, not a change)
patches=()
for p in "$repo"/patches/*.patch "$here"/kernel-patches/*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] || patches+=("$p")
done
key=$( { echo "$pkgver $variant"; cat "${patches[@]}" "${fragments[@]}"; } |
	sha256sum | cut -c1-16)
kdir=$cache/linux-$variant-$key

log() { echo "kernel.sh: $*" >&2; }

if [ "$print_dir" = 1 ]; then
	echo "$kdir"
	exit 0
fi

if [ -f "$kdir/.svq-built" ]; then
	log "reusing $kdir (key $key)"
	echo "$kdir"
	exit 0
fi

mkdir -p "$cache"
# Drop trees of the same variant left unused for two days (another
# checkout may still be using a younger one).
for old in "$cache"/linux-"$variant"-*; do
	[ -d "$old" ] && [ "$old" != "$kdir" ] &&
		[ -n "$(find "$old" -maxdepth 0 -mtime +2)" ] &&
		{ log "removing stale $old"; rm -rf "$old"; }
done

if [ ! -f "$kdir/.svq-patched" ]; then
	rm -rf "$kdir" "$kdir.tmp"
	mkdir -p "$kdir.tmp"
	log "unpacking $tarball"
	tar -C "$kdir.tmp" --strip-components=1 -xf "$tarball"
	for p in "${patches[@]}"; do
		[ -e "$p" ] || continue
		log "applying $(basename "$p")"
		patch -d "$kdir.tmp" -p1 --quiet --forward < "$p"
	done
	mv "$kdir.tmp" "$kdir"
	touch "$kdir/.svq-patched"
fi

export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
export CCACHE_BASEDIR=$cache
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026"
export KBUILD_BUILD_USER=svq KBUILD_BUILD_HOST=svq
cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"

cd "$kdir"
log "configuring ($variant): allnoconfig + ${fragments[*]##*/}"
make -s CC="$cc" allnoconfig
scripts/kconfig/merge_config.sh -m -O . .config "${fragments[@]}" >/dev/null
make -s CC="$cc" olddefconfig
# Every fragment symbol must have survived olddefconfig (later fragments
# override earlier ones).
declare -A want=()
for f in "${fragments[@]}"; do
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) want[${line%%=*}]=${line#*=} ;; esac
	done < "$f"
done
missing=0
for sym in "${!want[@]}"; do
	val=${want[$sym]}
	if [ "$val" = n ]; then
		grep -q "^$sym=" .config && { log "$sym should be off"; missing=1; }
	else
		grep -qx "$sym=$val" .config || { log "$sym=$val did not stick"; missing=1; }
	fi
done
[ "$missing" = 0 ] || { log "config fragment does not apply"; exit 1; }

log "building bzImage and modules with $(nproc) jobs (cold: ~17 min, ccache: a few)"
start=$(date +%s)
make -s -j"$(nproc)" CC="$cc" bzImage modules
# uapi headers for the selftests (usr/include)
make -s CC="$cc" headers
rm -rf modroot
make -s CC="$cc" INSTALL_MOD_PATH="$kdir/modroot" modules_install >/dev/null
log "kernel built in $(( $(date +%s) - start ))s"
touch .svq-built
echo "$kdir"
