#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build check of the v6.1 series (patches/6.1/) and of the module against
# Debian 12's 6.1 kernel headers: vhost_vdpa.ko with the series applied,
# from linux-source-6.1, with W=1 and no warning; then vhost_vdpa_svq.ko,
# from a copy of this tree's sources (the 6.12 objects in the tree stay),
# with W=1 and sparse, linked against the two.
#
# Debian's 6.1 kernels are built without vDPA ("# CONFIG_VDPA is not set"),
# so their Module.symvers has no vdpa core exports: the unpatched vdpa core
# (drivers/vdpa/vdpa.c) is built next to it, as a 6.1 host without vDPA
# would have to, to link against.
#
# Usage: build-6.1.sh [OUTDIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
hdrs=$(printf '%s\n' /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n 1)
[ -d "$hdrs" ] || hdrs=
out=${1:-$repo/build/6.1}

[ -r "$tarball" ] || { echo "build-6.1.sh: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
[ -n "$hdrs" ] || { echo "build-6.1.sh: no /usr/src/linux-headers-6.1.*-amd64 (apt-get install linux-headers-amd64)" >&2; exit 1; }
echo "build-6.1.sh: $tarball + patches/6.1 against $hdrs"

rm -rf "$out"
mkdir -p "$out/src"
tar -C "$out/src" --strip-components=1 -xf "$tarball" \
	linux-source-6.1/drivers/vhost linux-source-6.1/drivers/vdpa/vdpa.c \
	linux-source-6.1/include/linux/vdpa.h
for p in "$repo"/patches/6.1/*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] && continue
	patch -d "$out/src" -p1 --quiet --forward < "$p"
done

mkdir -p "$out/build"
cp "$out/src/drivers/vhost/vdpa.c" "$out/build/vhost_vdpa_main.c"
cp "$out/src/drivers/vhost/vhost.h" "$out/build/"
cp "$out/src/drivers/vdpa/vdpa.c" "$out/build/vdpa_core.c"
cat > "$out/build/Kbuild" <<EOF
obj-m := vdpa.o vhost_vdpa.o
vdpa-y := vdpa_core.o
vhost_vdpa-y := vhost_vdpa_main.o
ccflags-y := -I$out/src/include
EOF
# build_clean LOG MAKE-ARGS...: a build against the headers with no warning
build_clean()
{
	local log=$1

	shift
	make -C "$hdrs" "$@" modules > "$log" 2>&1 || { cat "$log"; exit 1; }
	cat "$log"
	if grep -E "warning:|error:" "$log"; then
		echo "build-6.1.sh: warnings (${log##*/})" >&2
		exit 1
	fi
}

build_clean "$out/build.log" M="$out/build" W=1
ls "$out/build/vdpa.ko" "$out/build/vhost_vdpa.ko"

mkdir -p "$out/svq"
(cd "$repo" && git ls-files -co --exclude-standard Kbuild 'drivers/vdpa/svq/*.[ch]' \
	drivers/vdpa/svq/Makefile 'include/*.h') | tar -C "$repo" -cf - -T - | tar -C "$out/svq" -xf -
build_clean "$out/svq-build.log" M="$out/svq" W=1 C=2 \
	KBUILD_EXTRA_SYMBOLS="$out/build/Module.symvers"
ls "$out/svq/drivers/vdpa/svq/vhost_vdpa_svq.ko"
