#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the make demo L2 guest's initramfs: busybox-static, frame_loop
# (static), virtio_net.ko and the modules it depends on from the kernel
# tree's module root, and l2/init as /init. No 9p: a guest with a 9p root
# cannot be migrated.
#
# Usage: mkinitramfs.sh KERNEL_DIR OUT_DIR
#   writes OUT_DIR/frame_loop and OUT_DIR/initramfs.cpio (uncompressed:
#   nothing to inflate in a nested TCG guest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=$1 out=$2

busybox=$(command -v busybox) || { echo "mkinitramfs.sh: no busybox (busybox-static)" >&2; exit 1; }
if readelf -l "$busybox" | grep -q 'program interpreter'; then
	echo "mkinitramfs.sh: $busybox is not static: install busybox-static" >&2
	exit 1
fi
mkdir -p "$out"
gcc -static -O2 -Wall -Wextra -Werror -o "$out/frame_loop" "$here/frame_loop.c"

kver=$(ls "$kdir/modroot/lib/modules")
mods=$kdir/modroot/lib/modules/$kver
# virtio_net and its dependencies, dependencies first
deps=$(sed -n 's|^kernel/drivers/net/virtio_net.ko:||p' "$mods/modules.dep")
[ -n "$(sed -n '\|^kernel/drivers/net/virtio_net.ko:|p' "$mods/modules.dep")" ] ||
	{ echo "mkinitramfs.sh: no virtio_net.ko in $mods" >&2; exit 1; }
order=()
for m in $deps; do order=("$m" "${order[@]}"); done
order+=(kernel/drivers/net/virtio_net.ko)
printf '%s\n' "${order[@]##*/}" > "$out/modules"

{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	for d in /bin /sbin /usr /usr/bin /usr/sbin /proc /sys /etc /lib /lib/modules /tmp; do
		echo "dir $d 755 0 0"
	done
	echo "file /bin/busybox $busybox 755 0 0"
	echo "slink /bin/sh busybox 777 0 0"
	echo "file /bin/frame_loop $out/frame_loop 755 0 0"
	echo "file /init $here/init 755 0 0"
	echo "file /etc/modules $out/modules 644 0 0"
	for m in "${order[@]}"; do
		echo "file /lib/modules/${m##*/} $mods/$m 644 0 0"
	done
} > "$out/initramfs.list"
gen=$kdir/usr/gen_init_cpio		# built with the kernel (BLK_DEV_INITRD)
if [ ! -x "$gen" ]; then
	gen=$out/gen_init_cpio
	gcc -O2 -o "$gen" "$kdir/usr/gen_init_cpio.c"
fi
"$gen" "$out/initramfs.list" > "$out/initramfs.cpio"
