#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build what is needed, boot the test VM and show, in words,
# what the product does so far.
#
# SVQ_DEMO_QEMU=10.1 runs the L2 guests under QEMU 10.1 (built once into
# the cache by qemu/build-qemu101.sh, about 20 min) instead of Debian's
# 7.2: QEMU then shadows the device itself and ours stays in passthrough.
# SVQ_DEMO_KERNEL=6.1 or 6.12 boots the test VM on Debian 12's unmodified
# kernel of that version instead of the bench kernel (vm-run.sh --stock):
# 6.1 with the modules of build-6.1.sh (patches/6.1), 6.12 with the DKMS
# package's; the L2 guest still runs the bench kernel.
# SVQ_DEMO_PARENT=vp_vdpa stacks the shadow devices on vp_vdpa instead of
# vdpa_sim_net: two QEMU virtio-net-pci NICs behind an emulated Intel
# IOMMU that loop their frames back (vm-run.sh --iommu), captured
# (--pcap): a frame lost there is told apart if it was left on the wire.
# SVQ_DEMO_STACK=plain, with SVQ_DEMO_QEMU=10.1: no upper device, QEMU
# 10.1 on plain vhost-vdpa + vdpa_sim_net (the reference for what QEMU
# 10.1 does by itself).
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
say "Building the L2 guest's initramfs: busybox, frame_loop, virtio_net.ko; its kernel is the bench kernel (build/demo/)"
"$here/l2/mkinitramfs.sh" "$kdir" "$repo/build/demo"
# and its kernel, next to it: a VM on a Debian kernel sees the cache below
# /root only for its own kernel
cp "$kdir/arch/x86/boot/bzImage" "$repo/build/demo/bzImage"
ls -l "$repo/build/demo/initramfs.cpio" "$repo/build/demo/bzImage"
qemu=7.2
if [ "${SVQ_DEMO_QEMU:-}" = 10.1 ]; then
	say "Building QEMU 10.1 (once, into the cache; about 20 minutes with one job)"
	nice -n 10 "$here/qemu/build-qemu101.sh"
	qemu=10.1
fi
vm=(--kernel "$kdir")
for ko in "$repo"/drivers/vdpa/svq/*.ko; do vm+=(--module "$ko"); done
case "${SVQ_DEMO_KERNEL:-}" in
'') ;;
6.1)
	say "Building patches/6.1's vhost_vdpa.ko and vhost_vdpa_svq.ko against Debian's 6.1 headers (build/demo/6.1/)"
	"$here/build-6.1.sh" "$repo/build/demo/6.1" > "$repo/build/demo/build-6.1.log" 2>&1 ||
		{ tail -n 20 "$repo/build/demo/build-6.1.log"; exit 1; }
	say "Preparing Debian's linux-image-6.1.0-57-amd64, unmodified, and vdpa_sim from linux-source-6.1"
	"$here/stock-kernel.sh" | tail -n 1
	vm=(--stock 6.1 --module "$repo/build/demo/6.1/build/vhost_vdpa.ko"
	    --module "$repo/build/demo/6.1/svq/drivers/vdpa/svq/vhost_vdpa_svq.ko") ;;
6.12)
	say "Preparing Debian's linux-image-6.12.118+deb12-amd64, unmodified, with the DKMS package's modules"
	"$here/stock-kernel-6.12.sh" | tail -n 1
	vm=(--stock 6.12) ;;
*) echo "demo.sh: SVQ_DEMO_KERNEL is 6.1 or 6.12" >&2; exit 2 ;;
esac
case "${SVQ_DEMO_PARENT:-}" in
''|vdpa_sim_net) ;;
vp_vdpa) vm+=(--iommu --pcap) ;;
*) echo "demo.sh: SVQ_DEMO_PARENT is vdpa_sim_net or vp_vdpa" >&2; exit 2 ;;
esac
which="the bench kernel"
[ -n "${SVQ_DEMO_KERNEL:-}" ] && which="Debian's $SVQ_DEMO_KERNEL kernel"
say "Booting $which under QEMU (TCG) and running the demo inside; an L2 guest runs in it"
rm -rf "$repo/build/demo/vm"
start=$(date +%s)
"$here/vm-run.sh" "${vm[@]}" --timeout 1500 --out "$repo/build/demo/vm" -- \
	env SVQ_DEMO_QEMU="${SVQ_DEMO_QEMU:-}" SVQ_DEMO_PARENT="${SVQ_DEMO_PARENT:-}" \
	SVQ_DEMO_STACK="${SVQ_DEMO_STACK:-}" \
	"$here/demo-guest.sh"
say "Demo finished in $(($(date +%s) - start)) s: a Linux guest with its own virtio-net driver on a shadow device was live-migrated by unmodified QEMU $qemu in the middle of its traffic, and verified every frame it sent and received, before and after (guest consoles in build/demo/vm/)."
