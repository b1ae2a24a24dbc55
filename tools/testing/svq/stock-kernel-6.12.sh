#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare (or reuse) Debian 12's unmodified 6.12 kernel for the test VM,
# with the DKMS package's modules built for it.
#
# Usage: stock-kernel-6.12.sh [--print-dir | --print-dkms-dir]
#
# vm-run.sh --stock 6.12 boots it. Debian's 6.12 has the vDPA bus,
# vhost_vdpa, vhost_iotlb and vhost (all modules) but no vdpa_sim, no
# vringh (CONFIG_VHOST_RING is not set) and no hardware parent here.
# The kernel is linux-image-6.12.118+deb12-amd64 itself, installed with its
# headers and linux-source-6.12 of the same package version (apt-get, as
# root; dkms-build.sh refuses a source of another version): vm-run.sh boots
# /boot/vmlinuz-KVER and the guest loads the image's own modules from the
# host's /lib/modules/KVER/kernel.
#
# Into a cache directory outside the clone, keyed by the package versions,
# by this script, stock-init and kernel-patches/ (unchanged inputs reuse
# it), this puts:
#   initramfs.cpio   busybox-static, the image's own modules a 9p root
#                    needs (9p, netfs, 9pnet_virtio; Debian builds them as
#                    .ko.xz modules, decompressed here for busybox's insmod)
#                    and stock-init as /init, which mounts the 9p root that
#                    vm-run.sh names on the command line and switches to it
#   src/, extra/     vringh.ko, vdpa_sim.ko and vdpa_sim_net.ko, built out
#                    of tree from linux-source-6.12 against the stock
#                    headers, with the test bench's kernel-patches/
#                    (vdpa_sim_net queue pairs) when they apply
#   dkms-SRCKEY/     vhost_vdpa.ko and vhost_vdpa_svq.ko from
#                    tools/dkms/dkms-build.sh build, run in a copy of this
#                    tree's package files laid out as the .deb installs them
#                    in /usr/src (debian/rules), i.e. what DKMS builds on a
#                    Debian 12 machine; SRCKEY hashes those files, so a
#                    changed module or series is rebuilt, nothing else
# --print-dir prints the directory, --print-dkms-dir the dkms-SRCKEY one
# (neither builds anything). On success the directory is printed on the
# last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
kver=6.12.118+deb12-amd64
# The package version of the image, headers and source; an installed
# linux-headers-KVER of another version is a mismatch to report.
pkgver=6.12.118-1~deb12u1
print=''
for arg in "$@"; do
	case "$arg" in
	--print-dir) print=dir ;;
	--print-dkms-dir) print=dkms ;;
	*) echo "stock-kernel-6.12.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

log() { echo "stock-kernel-6.12.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=stock-lib.sh
. "$here/stock-lib.sh"

headers=/lib/modules/$kver/build
tarball=/usr/src/linux-source-6.12.tar.xz
cache=${SVQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-vdpa-svq}

# pkg_version PACKAGE: its version if installed, else nothing
pkg_version()
{
	dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null |
		sed -n 's/^installed //p'
}

# The files the .deb ships (debian/rules; make-deb.sh takes the same list)
pkg_files()
{
	git -C "$repo" ls-files -co --exclude-standard -- \
		Kbuild drivers/vdpa/svq include patches tools/dkms/dkms-build.sh |
		while read -r f; do [ -f "$repo/$f" ] && printf '%s\n' "$f"; done
}

key=$( { echo "$kver $pkgver"; cat "$0" "$here/stock-lib.sh" "$here/stock-init" "$here"/kernel-patches/*.patch; } |
	sha256sum | cut -c1-16)
sdir=$cache/stock-$kver-$key
srckey=$( { echo "$kver $pkgver"; pkg_files | while read -r f; do
	echo "$f"; cat "$repo/$f"; done; } | sha256sum | cut -c1-16)
ddir=$sdir/dkms-$srckey

case "$print" in
dir) echo "$sdir"; exit 0 ;;
dkms) echo "$ddir"; exit 0 ;;
esac

start=$(date +%s)
t() { echo "$(( $(date +%s) - start ))s"; }

# --- packages -----------------------------------------------------------
need=()
for p in "linux-image-$kver" "linux-headers-$kver" linux-source-6.12; do
	[ "$(pkg_version "$p")" = "$pkgver" ] || need+=("$p=$pkgver")
done
for p in busybox-static xz-utils cpio kmod build-essential libelf-dev patch git; do
	[ -n "$(pkg_version "$p")" ] || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing: sudo apt-get install ${need[*]}"
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
{ [ -f "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/kernel" ] &&
  [ -f "$headers/.config" ] && [ -r "$tarball" ]; } ||
	die "linux-image/headers-$kver or linux-source-6.12 incomplete"

# --- stock-derived parts (keyed by versions and scripts) ----------------
if [ -f "$sdir/.svq-built" ]; then
	log "reusing $sdir (key $key)"
else
	mkdir -p "$cache"
	# Drop stock trees left unused for two days (as kernel.sh does).
	drop_stale "$sdir" "$cache"/stock-"$kver"-*
	rm -rf "$sdir" "$sdir.tmp"
	tmp=$sdir.tmp
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp"' EXIT

	log "extracting sources from $tarball ($(t))"
	mkdir -p "$tmp/linux"
	tar -C "$tmp/linux" --strip-components=1 -xf "$tarball" --wildcards \
		'linux-source-6.12/drivers/vdpa/vdpa_sim/*' \
		'linux-source-6.12/drivers/vhost/vringh.c' \
		'linux-source-6.12/usr/gen_init_cpio.c'

	# --- out-of-tree modules --------------------------------------------
	for p in "$here"/kernel-patches/*.patch; do
		if patch -d "$tmp/linux" -p1 --forward --quiet < "$p" >&2; then
			log "applied $(basename "$p")"
		else
			die "$(basename "$p") does not apply to linux-source-6.12 $pkgver"
		fi
	done
	src=$tmp/src
	mkdir -p "$src/vdpa_sim"
	cp "$tmp/linux/drivers/vhost/vringh.c" "$src/"
	cp "$tmp"/linux/drivers/vdpa/vdpa_sim/vdpa_sim.[ch] \
		"$tmp/linux/drivers/vdpa/vdpa_sim/vdpa_sim_net.c" "$src/vdpa_sim/"
	# The module names of a kernel built with CONFIG_VHOST_RING,
	# CONFIG_VDPA_SIM and CONFIG_VDPA_SIM_NET =m.
	cat > "$src/Kbuild" <<-'EOF'
	# SPDX-License-Identifier: GPL-2.0
	# Generated by stock-kernel-6.12.sh: linux-source-6.12's vdpa_sim and vringh.
	obj-m += vringh.o vdpa_sim/vdpa_sim.o vdpa_sim/vdpa_sim_net.o
	EOF
	log "building vringh, vdpa_sim, vdpa_sim_net against $headers ($(t))"
	make -s -C "$headers" M="$src" -j"$(nproc)" modules >&2
	take_modules "$src" "$tmp/extra" "$kver" vringh vdpa_sim vdpa_sim_net

	# --- initramfs --------------------------------------------------------
	busybox=$(static_busybox)
	# The 9p root over virtio-pci (built in), dependencies first, as
	# modprobe would load them.
	mapfile -t order < <(modprobe -S "$kver" --show-depends -a \
		virtio_pci 9pnet_virtio 9p | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++')
	[ "${#order[@]}" -gt 0 ] || die "no module list for the 9p root"
	mkdir -p "$tmp/initramfs"
	: > "$tmp/initramfs.modules"
	for m in "${order[@]}"; do
		b=${m##*/}
		case "$b" in
		*.ko.xz) b=${b%.xz}; xz -dc "$m" > "$tmp/initramfs/$b" ;;
		*.ko) cp "$m" "$tmp/initramfs/$b" ;;
		*) die "unexpected module file $m" ;;
		esac
		echo "$b" >> "$tmp/initramfs.modules"
	done
	{
		initramfs_head "$busybox" "$here/stock-init" "$tmp/initramfs.modules"
		while read -r b; do
			echo "file /lib/modules/$b $tmp/initramfs/$b 644 0 0"
		done < "$tmp/initramfs.modules"
	} > "$tmp/initramfs.list"
	gcc -O2 -o "$tmp/gen_init_cpio" "$tmp/linux/usr/gen_init_cpio.c"
	# Uncompressed: nothing for the TCG guest to inflate.
	"$tmp/gen_init_cpio" "$tmp/initramfs.list" > "$tmp/initramfs.cpio"
	rm -rf "$tmp/linux" "$tmp/initramfs"
	mv "$tmp" "$sdir"
	trap - EXIT
	touch "$sdir/.svq-built"
	log "stock parts ready in $(t): $sdir"
fi

# --- DKMS build of this tree's package (keyed by its files) -------------
if [ -f "$ddir/.svq-built" ]; then
	log "reusing $ddir (source key $srckey)"
else
	drop_stale "$ddir" "$sdir"/dkms-*
	rm -rf "$ddir" "$ddir.tmp"
	tmp=$ddir.tmp
	mkdir -p "$tmp/build"
	trap 'rm -rf "$tmp"' EXIT
	# /usr/src/vhost-vdpa-svq-VERSION as debian/rules installs it:
	# Kbuild, drivers/vdpa/svq, include, patches and dkms-build.sh at the
	# top (DKMS copies that into its build directory and runs MAKE[0]
	# there).
	pkg_files | grep -v '^tools/' | tar -C "$repo" -cf - --no-recursion -T - |
		tar -C "$tmp/build" -xf -
	install -m 0755 "$repo/tools/dkms/dkms-build.sh" "$tmp/build/dkms-build.sh"
	log "dkms-build.sh build $kver $headers ($(t))"
	(cd "$tmp/build" && bash ./dkms-build.sh check "$kver" "$headers" &&
		bash ./dkms-build.sh build "$kver" "$headers") > "$tmp/dkms-build.log" 2>&1 || {
		tail -n 40 "$tmp/dkms-build.log" >&2
		die "dkms-build.sh build failed"
	}
	# dkms.conf's BUILT_MODULE_LOCATION; DKMS strips them (STRIP default)
	cp "$tmp/build/linux/drivers/vhost/vhost_vdpa.ko" \
		"$tmp/build/drivers/vdpa/svq/vhost_vdpa_svq.ko" "$tmp/"
	strip --strip-debug "$tmp"/*.ko
	for m in vhost_vdpa vhost_vdpa_svq; do
		[ "$(modinfo -F vermagic "$tmp/$m.ko" | cut -d' ' -f1)" = "$kver" ] ||
			die "$m.ko: wrong vermagic"
	done
	rm -rf "$tmp/build"
	mv "$tmp" "$ddir"
	trap - EXIT
	touch "$ddir/.svq-built"
	log "DKMS modules ready in $(t): $ddir"
fi
echo "$sdir"
