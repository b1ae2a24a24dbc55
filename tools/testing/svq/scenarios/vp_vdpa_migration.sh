#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu72_migration on a real parent that relies on the platform IOMMU:
# the two shadow devices stacked on vp_vdpa devices, one on each of the
# two virtio-net-pci NICs behind the emulated Intel IOMMU (vm-run.sh
# --iommu). vp_vdpa cannot suspend, so auto mode shadows from device
# start: no switch, but the source logs what its NIC wrote, and the
# destination starts its shadow rings at 0 with the guest's indices that
# vp_vdpa itself cannot take. Every frame verified, as in qemu72_migration.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
mgmt=$(svq_vp_vdpa_bind)
# shellcheck disable=SC2086 # a list
set -- $mgmt
[ $# -ge 2 ] || { echo "needs two virtio-net-pci NICs behind an IOMMU (vm-run.sh --iommu)"; exit 1; }
export SVQ_LOWER_MGMTDEVS=$mgmt
work=$(mktemp -d)
svq_qemu72_setup "$work"
rc=0
svq_qemu72_run "$work" -f 30 -m 1 || rc=$?
logged=$(cat /sys/bus/vdpa/devices/msvq0/stats/pages_logged)
relayed=$(cat /sys/bus/vdpa/devices/msvq1/stats/relayed_descs)
for d in mlower0 mlower1; do
	echo "$d: $(vdpa dev show "$d" | head -n 1)"
done
svq_qemu72_teardown "$work"
[ "$rc" = 0 ]
# the source logged, the destination relayed
[ "$logged" -ge 1 ]
[ "$relayed" -ge 1 ]
