#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vp_vdpa_parent with the shadow rings left out of the IOMMU domain on
# purpose (debugfs fault_no_ring_map: the upper device maps the driver's
# memory for the NIC, but not its shadow rings): the NIC cannot reach the
# rings, the IOMMU reports its faults, and the traffic test must fail.
# Proves that vp_vdpa_parent's shadow mode runs through those mappings.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
selftests=$SVQ_REPO/tools/testing/selftests/vhost_vdpa_svq
fault=/sys/kernel/debug/vhost_vdpa_svq/fault_no_ring_map

trap 'echo 0 > "$fault"' EXIT
mgmt=$(svq_vp_vdpa_bind)
[ -n "$mgmt" ] || { echo "no virtio-net-pci NIC behind an IOMMU (vm-run.sh --iommu)"; exit 1; }
export SVQ_LOWER_MGMTDEVS=$mgmt
faults_before=$(dmesg | grep -c 'DMAR: \[DMA ' || true)
echo 1 > "$fault"
rc=0
"$selftests/vhost_vdpa_traffic_test" -r net.shadow_64.loopback_frames_verified || rc=$?
echo 0 > "$fault"
faults=$(( $(dmesg | grep -c 'DMAR: \[DMA ' || true) - faults_before ))
dmesg | grep 'DMAR: \[DMA ' | tail -n 3
echo "traffic test exit status $rc (not 0: no frame through unmapped shadow rings)," \
     "$faults IOMMU fault reports"
[ "$rc" != 0 ]
[ "$faults" -ge 1 ]
