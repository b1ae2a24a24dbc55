#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (or reuse) Debian 12's unmodified 6.1 kernel for the test VM.
#
# Usage: stock-kernel.sh [--print-dir]
#
# vm-run.sh --stock 6.1 boots it. Into a cache directory outside the
# clone, keyed by the package versions and by this script and
# stock-init (unchanged inputs reuse the directory), this puts:
#   root/              linux-image-6.1.0-57-amd64's .deb, unpacked as is
#                      (dpkg-deb -x; never installed on the host), with
#                      modules.dep & co. from depmod
#   initramfs.cpio     busybox-static, the image's own modules a 9p root
#                      needs (Debian builds 9p and virtio as modules) and
#                      stock-init as /init, which mounts the 9p root that
#                      vm-run.sh names on the command line and switches
#                      to it
#   selftests/         linux-source-6.1's kselftest harness headers
#   src/, extra/       out-of-tree modules built from linux-source-6.1
#                      against the stock headers: Debian's 6.1 has no vDPA
#                      at all (CONFIG_VDPA is not set: no vdpa.ko, no
#                      vhost_vdpa.ko, no vringh.ko), so besides vdpa_sim
#                      and vdpa_sim_net this builds the bus (vdpa.ko),
#                      vringh.ko (CONFIG_VHOST_RING, which vdpa_sim needs),
#                      vhost_vdpa.ko and virtio_vdpa.ko, unmodified. The
#                      test bench's kernel-patches/ (vdpa_sim_net queue
#                      pairs) are written for 6.12 and do not apply.
# The image's version must be the installed linux-headers' (the modules
# are built against those headers; CONFIG_MODVERSIONS is on).
# On success the directory is printed on the last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver=6.1.0-57-amd64
print_dir=0
for arg in "$@"; do
	case "$arg" in
	--print-dir) print_dir=1 ;;
	*) echo "stock-kernel.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

log() { echo "stock-kernel.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=stock-lib.sh
. "$here/stock-lib.sh"

headers=/usr/src/linux-headers-$kver
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${SVQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-vdpa-svq}

# The exact version of the installed headers is the version of the image.
hver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null) ||
	die "linux-headers-$kver is not installed"
[ -d "$headers" ] || die "$headers missing"
bbver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null) ||
	die "busybox-static is not installed"
key=$( { echo "$kver $hver $bbver"; cat "$0" "$here/stock-lib.sh" "$here/stock-init"; } |
	sha256sum | cut -c1-16)
sdir=$cache/stock-$kver-$key

if [ "$print_dir" = 1 ]; then
	echo "$sdir"
	exit 0
fi
if [ -f "$sdir/.svq-built" ]; then
	log "reusing $sdir (key $key)"
	echo "$sdir"
	exit 0
fi

mkdir -p "$cache"
# Drop stock trees left unused for two days (as kernel.sh does).
drop_stale "$sdir" "$cache"/stock-"$kver"-*
rm -rf "$sdir" "$sdir.tmp"
mkdir -p "$sdir.tmp"
tmp=$sdir.tmp
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
t() { echo "$(( $(date +%s) - start ))s"; }

export DEBIAN_FRONTEND=noninteractive
# linux-source-6.1, of the headers' version (installs the tarball).
sver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
if [ "$sver" != "$hver" ] || [ ! -r "$tarball" ]; then
	[ "$(id -u)" = 0 ] || die "linux-source-6.1 $hver missing: apt-get install linux-source-6.1"
	log "installing linux-source-6.1"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "linux-source-6.1=$hver" >&2
fi

# The image: apt-get download of exactly the headers' version.
log "downloading linux-image-$kver $hver"
if [ "$(id -u)" = 0 ]; then
	apt-get update -qq || log "apt-get update failed; trying the current lists"
fi
(cd "$tmp" && apt-get download -q "linux-image-$kver=$hver" >&2) ||
	die "cannot download linux-image-$kver=$hver"
deb=$(echo "$tmp"/linux-image-"$kver"_*.deb)
[ -f "$deb" ] || die "no .deb downloaded"
[ "$(dpkg-deb -f "$deb" Version)" = "$hver" ] || die "$deb is not version $hver"
log "unpacking $(basename "$deb") ($(t))"
dpkg-deb -x "$deb" "$tmp/root"
rm -f "$deb"
mods=$tmp/root/lib/modules/$kver
{ [ -f "$tmp/root/boot/vmlinuz-$kver" ] && [ -d "$mods/kernel" ]; } ||
	die "unexpected image layout"
depmod -b "$tmp/root" "$kver"

# Sources: one pass over the tarball for everything below.
log "extracting sources from $tarball ($(t))"
mkdir -p "$tmp/linux"
tar -C "$tmp/linux" --strip-components=1 -xf "$tarball" --wildcards \
	'linux-source-6.1/drivers/vdpa/vdpa.c' \
	'linux-source-6.1/drivers/vdpa/vdpa_sim/*' \
	'linux-source-6.1/drivers/vhost/vringh.c' \
	'linux-source-6.1/drivers/vhost/vdpa.c' \
	'linux-source-6.1/drivers/vhost/vhost.h' \
	'linux-source-6.1/drivers/virtio/virtio_vdpa.c' \
	'linux-source-6.1/usr/gen_init_cpio.c' \
	'linux-source-6.1/tools/testing/selftests/kselftest.h' \
	'linux-source-6.1/tools/testing/selftests/kselftest_harness.h'

# --- out-of-tree modules ------------------------------------------------
src=$tmp/src
mkdir -p "$src/vhost" "$src/vdpa_sim"
cp "$tmp/linux/drivers/vdpa/vdpa.c" "$tmp/linux/drivers/vhost/vringh.c" \
	"$tmp/linux/drivers/virtio/virtio_vdpa.c" "$src/"
cp "$tmp/linux/drivers/vhost/vdpa.c" "$tmp/linux/drivers/vhost/vhost.h" "$src/vhost/"
cp "$tmp"/linux/drivers/vdpa/vdpa_sim/vdpa_sim.[ch] \
	"$tmp/linux/drivers/vdpa/vdpa_sim/vdpa_sim_net.c" "$src/vdpa_sim/"
# The same module names as in a kernel built with them (CONFIG_VDPA,
# CONFIG_VHOST_RING, CONFIG_VHOST_VDPA, CONFIG_VIRTIO_VDPA,
# CONFIG_VDPA_SIM, CONFIG_VDPA_SIM_NET all =m).
cat > "$src/Kbuild" <<'EOF'
# SPDX-License-Identifier: GPL-2.0
# Generated by stock-kernel.sh: linux-source-6.1's vDPA modules, unmodified.
obj-m += vdpa.o vringh.o virtio_vdpa.o vhost_vdpa.o
vhost_vdpa-y := vhost/vdpa.o
obj-m += vdpa_sim/vdpa_sim.o vdpa_sim/vdpa_sim_net.o
EOF
# The test bench's vdpa_sim_net patch is for 6.12: record whether it
# applies here (it did not on 6.1.192: most hunks fail).
for p in "$here"/kernel-patches/*.patch; do
	if patch -d "$tmp/linux" -p1 --dry-run --quiet --forward < "$p" > /dev/null 2>&1; then
		log "note: $(basename "$p") would apply to 6.1; not applied (stock sources)"
	else
		log "$(basename "$p") does not apply to 6.1: vdpa_sim_net has one queue pair"
	fi
done
log "building vdpa, vringh, vhost_vdpa, virtio_vdpa, vdpa_sim, vdpa_sim_net against $headers ($(t))"
make -s -C "$headers" M="$src" -j"$(nproc)" modules >&2
take_modules "$src" "$tmp/extra" "$kver" vdpa vringh vhost_vdpa virtio_vdpa vdpa_sim vdpa_sim_net

# --- initramfs ----------------------------------------------------------
busybox=$(static_busybox)
# The 9p root over virtio-pci, dependencies first, as modprobe would
# load them (virtio, 9p, netfs and fscache are all modules in Debian).
mapfile -t order < <(modprobe -d "$tmp/root" -S "$kver" --show-depends -a \
	virtio_pci 9pnet_virtio 9p | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++')
[ "${#order[@]}" -gt 0 ] || die "no module list for the 9p root"
printf '%s\n' "${order[@]##*/}" > "$tmp/initramfs.modules"
{
	initramfs_head "$busybox" "$here/stock-init" "$tmp/initramfs.modules"
	for m in "${order[@]}"; do
		echo "file /lib/modules/${m##*/} $m 644 0 0"
	done
} > "$tmp/initramfs.list"
gcc -O2 -o "$tmp/gen_init_cpio" "$tmp/linux/usr/gen_init_cpio.c"
# Uncompressed: nothing for the TCG guest to inflate.
"$tmp/gen_init_cpio" "$tmp/initramfs.list" > "$tmp/initramfs.cpio"
# 6.1's kselftest harness, for stock/stock_traffic_test.c
mkdir -p "$tmp/selftests"
cp "$tmp"/linux/tools/testing/selftests/kselftest*.h "$tmp/selftests/"
rm -rf "$tmp/linux"

mv "$tmp" "$sdir"
trap - EXIT
# modules.dep & co. name paths relative to the module root: the move
# keeps them valid.
touch "$sdir/.svq-built"
log "ready in $(t): $sdir"
echo "$sdir"
