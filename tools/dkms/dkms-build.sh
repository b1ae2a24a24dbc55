#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS build of the vhost-vdpa-svq package (dkms.conf runs it in DKMS's copy
# of the source tree): for one kernel, a vhost_vdpa.ko built from the
# kernel's own Debian source with the patch series applied, and
# vhost_vdpa_svq.ko built against it.
#
# Usage: dkms-build.sh check KERNELVER KERNEL_BUILD_DIR
#            what the build would use, or why it refuses (PRE_BUILD: DKMS
#            shows its output, unlike make.log's)
#        dkms-build.sh build KERNELVER KERNEL_BUILD_DIR   (MAKE)
#        dkms-build.sh clean                              (CLEAN)
#
# vhost_vdpa.ko is linked against the distribution's vhost.ko, vhost_iotlb.ko
# and vdpa.ko and uses their structures, so it is built only from the
# linux-source package of exactly the kernel's package version
# (/usr/src/linux-source-X.Y.tar.xz): drivers/vhost/ and the include/ files
# the series changes are extracted, the series is applied (6.12: patches/,
# 6.1: patches/6.1/), headers it adds or changes come before the kernel's
# (-I in NOSTDINC_FLAGS, which precede LINUXINCLUDE), and only vhost_vdpa.ko
# is built, with M=, against the kernel's headers (their Module.symvers gives
# the CRCs of what it imports).
#
# Test only: SVQ_DKMS_TEST_SOURCE_VERSION=V makes the check take V as the
# linux-source package's version (to show the refusal of a mismatch).
set -euo pipefail

here=$(pwd)
work=$here/linux		# extracted and patched kernel files
prog=vhost-vdpa-svq

die()
{
	local line

	for line in "$@"; do
		echo "$prog: $line" >&2
	done
	exit 1
}

# pkg_version PACKAGE: its version if installed, else nothing
pkg_version()
{
	dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null |
		sed -n 's/^installed //p'
}

# check KERNELVER KBUILD: sets series, tarball, srcdir; dies with the reason
# when this kernel cannot get a matching vhost_vdpa.ko.
check()
{
	local kver=$1 kbuild=$2 kv src_pkg src_ver pkg ver kpkgs=() bad=()

	case "$kver" in
	6.1.*)	kv=6.1; series=patches/6.1 ;;
	6.12.*)	kv=6.12; series=patches ;;
	*)	die "kernel $kver: this package carries the series for Linux 6.1 and 6.12 only." ;;
	esac
	[ -f "$kbuild/.config" ] ||
		die "no kernel headers in $kbuild: apt-get install linux-headers-$kver"
	grep -q '^CONFIG_VHOST_VDPA=m' "$kbuild/.config" ||
		die "kernel $kver is built without vhost-vdpa as a module (CONFIG_VHOST_VDPA=m; Debian 12's 6.1 kernels have no vDPA at all)." \
		    "Install a kernel with vDPA, on Debian 12: apt-get install linux-image-6.12.<N>+deb12-amd64 linux-headers-6.12.<N>+deb12-amd64 linux-source-6.12"

	src_pkg=linux-source-$kv
	tarball=/usr/src/linux-source-$kv.tar.xz
	srcdir=linux-source-$kv
	src_ver=$(pkg_version "$src_pkg")
	if [ -n "${SVQ_DKMS_TEST_SOURCE_VERSION:-}" ]; then
		echo "$prog: TEST ONLY: taking $src_pkg as version $SVQ_DKMS_TEST_SOURCE_VERSION (SVQ_DKMS_TEST_SOURCE_VERSION)" >&2
		src_ver=$SVQ_DKMS_TEST_SOURCE_VERSION
	fi

	for pkg in "linux-headers-$kver" "linux-image-$kver" "linux-image-$kver-unsigned"; do
		ver=$(pkg_version "$pkg")
		[ -n "$ver" ] || continue
		kpkgs+=("$pkg $ver")
		[ "$ver" = "$src_ver" ] || bad+=("$pkg is $ver")
	done
	[ ${#kpkgs[@]} -gt 0 ] ||
		die "kernel $kver: neither linux-headers-$kver nor linux-image-$kver is an installed package, so the version of the source it was built from is unknown."
	ver=${kpkgs[0]#* }
	if [ -z "$src_ver" ] || [ ! -f "$tarball" ]; then
		die "vhost_vdpa.ko for $kver is built from its Debian source, which is not installed ($tarball)." \
		    "Install it: apt-get install $src_pkg=$ver"
	fi
	if [ ${#bad[@]} -gt 0 ]; then
		bad=("$(printf '%s, ' "${bad[@]}")")
		die "refusing to build vhost_vdpa.ko for $kver: $src_pkg is $src_ver but ${bad[0]%, }." \
		    "vhost_vdpa.ko must come from the same source as the kernel's vhost.ko, vhost_iotlb.ko and vdpa.ko (their structures must match exactly)." \
		    "Install the source of this kernel (apt-get install $src_pkg=$ver), or install the kernel of version $src_ver and its headers, then: dkms autoinstall -k <kernel>"
	fi

	shopt -s nullglob
	patches=()
	local p
	for p in "$series"/*.patch; do
		grep -q '^+++ ' "$p" && patches+=("$p")	# not the cover letter
	done
	shopt -u nullglob
	[ ${#patches[@]} -gt 0 ] ||
		die "kernel $kver: this package has no series for Linux $kv ($series/*.patch)."
	echo "$prog: $kver: vhost_vdpa.ko from $src_pkg $src_ver (= ${kpkgs[*]}) + $series/ (${#patches[@]} patches)" >&2
}

# files_of_series: "new PATH" or "old PATH" for each file the series touches
files_of_series()
{
	awk '
	/^--- /	{ old = $2; next }
	/^\+\+\+ b\// {
		path = substr($2, 3)
		print (old == "/dev/null" ? "new " : "old ") path
	}' "${patches[@]}" | sort -u -k2 | sort -u
}

build()
{
	local kver=$1 kbuild=$2 kind path old=() inc

	check "$kver" "$kbuild"
	while read -r kind path; do
		case "$path" in
		drivers/vhost/*|include/*) ;;
		*) die "the series changes $path: only drivers/vhost/ and include/ are rebuilt here." ;;
		esac
		[ "$kind" = old ] && [ "${path#include/}" != "$path" ] && old+=("$srcdir/$path")
	done < <(files_of_series)

	rm -rf "$work"
	mkdir -p "$work"
	tar -xJf "$tarball" -C "$work" --strip-components=1 \
		"$srcdir/drivers/vhost" "${old[@]}"
	for p in "${patches[@]}"; do
		patch -d "$work" -p1 --batch --forward --no-backup-if-mismatch -s < "$p" ||
			die "$p does not apply to $srcdir."
	done
	# only vhost_vdpa.ko (drivers/vhost/Makefile: vhost_vdpa-y := vdpa.o)
	printf 'obj-m := vhost_vdpa.o\nvhost_vdpa-y := vdpa.o\n' > "$work/drivers/vhost/Kbuild"

	# headers the series adds or changes come before the kernel's
	inc="-nostdinc -I$work/include -I$work/include/uapi"
	make -j"$(nproc)" -C "$kbuild" M="$work/drivers/vhost" NOSTDINC_FLAGS="$inc" modules
	make -j"$(nproc)" -C "$kbuild" M="$here" NOSTDINC_FLAGS="$inc" \
		KBUILD_EXTRA_SYMBOLS="$work/drivers/vhost/Module.symvers" \
		CONFIG_VHOST_VDPA_SVQ_KUNIT_TEST= modules
}

case "${1:-}" in
check)	[ $# = 3 ] || die "usage: $0 check KERNELVER KERNEL_BUILD_DIR"
	# DKMS ignores PRE_BUILD's status: the refusal is shown here and
	# made a build failure by 'build'.
	(check "$2" "$3") || true ;;
build)	[ $# = 3 ] || die "usage: $0 build KERNELVER KERNEL_BUILD_DIR"
	build "$2" "$3" ;;
clean)	rm -rf "$work"
	find "$here" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*.symvers' -o -name '*.order' \) -delete ;;
*)	die "usage: $0 check|build KERNELVER KERNEL_BUILD_DIR | clean" ;;
esac
