#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build what is needed, boot the test VM and show, in words,
# what the product does so far.
#
# SVQ_DEMO_QEMU=10.1 runs the L2 guests under QEMU 10.1 (built once into
# the cache by qemu/build-qemu101.sh, about 20 min) instead of Debian's
# 7.2: QEMU then shadows the device itself and ours stays in passthrough.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

say() { printf '\n==> %s\n' "$*"; }

say "Checking the Debian packages the demo needs"
"$here/deps.sh"
say "Building the test kernel (Debian's linux-source-6.12 + patches/; reused when unchanged)"
kdir=$("$here/kernel.sh" | tail -n 1)
echo "kernel tree: $kdir"
say "Building vhost_vdpa_svq.ko against it"
make -s -C "$kdir" M="$repo" modules
say "Building the L2 guest's initramfs: busybox, frame_loop, virtio_net.ko (build/demo/)"
"$here/l2/mkinitramfs.sh" "$kdir" "$repo/build/demo"
ls -l "$repo/build/demo/initramfs.cpio"
qemu=7.2
if [ "${SVQ_DEMO_QEMU:-}" = 10.1 ]; then
	say "Building QEMU 10.1 (once, into the cache; about 20 minutes with one job)"
	nice -n 10 "$here/qemu/build-qemu101.sh"
	qemu=10.1
fi
say "Booting the kernel under QEMU (TCG) and running the demo inside; an L2 guest runs in it"
modules=()
for ko in "$repo"/drivers/vdpa/svq/*.ko; do modules+=(--module "$ko"); done
rm -rf "$repo/build/demo/vm"
start=$(date +%s)
"$here/vm-run.sh" --kernel "$kdir" --timeout 1500 --out "$repo/build/demo/vm" "${modules[@]}" -- env SVQ_DEMO_QEMU="${SVQ_DEMO_QEMU:-}" "$here/demo-guest.sh"
say "Demo finished in $(($(date +%s) - start)) s: a Linux guest with its own virtio-net driver on a shadow device was live-migrated by unmodified QEMU $qemu in the middle of its traffic, and verified every frame it sent and received, before and after (guest consoles in build/demo/vm/)."
