#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo's migration on vp_vdpa (SVQ_DEMO_PARENT=vp_vdpa make demo): a
# Linux guest (the bench kernel, its own virtio_net, l2/frame_loop) under
# QEMU 7.2 on a shadow device over vp_vdpa, live-migrated mid-traffic to
# a second shadow device on the other NIC, every frame checked. The
# shadow devices map everything into IOMMU domains of their own; vp_vdpa
# cannot suspend, so auto mode shadows from device start and logs. The
# guest's control queue is polled (no callback): its completions reach
# the guest only through the relay. A frame lost is a failure unless the
# NICs' captures (check.sh boots the VM with vm-run.sh --pcap) show it
# left in the source NIC's socket when the source QEMU stopped the NIC.
set -eu
l2=${SVQ_DEMO_L2:-$SVQ_REPO/build/check/l2}
if [ ! -f "$l2/initramfs.cpio" ] || [ ! -f "$l2/bzImage" ]; then
	echo "SKIP: no L2 guest in $l2 (check.sh builds it with l2/mkinitramfs.sh, not for --debug)"
	exit 4
fi
cd "$SVQ_REPO"
SVQ_DEMO_L2=$l2 SVQ_DEMO_PARENT=vp_vdpa exec tools/testing/svq/demo-guest.sh
