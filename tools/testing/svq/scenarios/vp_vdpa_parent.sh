#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real parent that relies on the platform IOMMU: vp_vdpa on QEMU's
# virtio-net-pci behind an emulated Intel IOMMU (vm-run.sh --iommu; the
# NIC's frames come back through a datagram socket). The upper device
# offers dma_map and maps the driver's mappings and its shadow rings into
# an IOMMU domain of its own on the NIC. vp_vdpa cannot suspend, so auto
# mode shadows from device start. Traffic in passthrough and shadow mode
# (also on rings the driver polls: no callback, so vp_vdpa gives them no
# interrupt vector unless the upper device asks for one), stop and
# restart, and the dirty log (exact, and harvested during traffic); then
# no IOMMU domain of the upper device is left on the NIC: plain
# vhost-vdpa takes the lower device and opens it.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
selftests=$SVQ_REPO/tools/testing/selftests/vhost_vdpa_svq

mgmt=$(svq_vp_vdpa_bind)
echo "vp_vdpa management devices: $mgmt"
[ -n "$mgmt" ] || { echo "no virtio-net-pci NIC behind an IOMMU (vm-run.sh --iommu)"; exit 1; }
export SVQ_LOWER_MGMTDEVS=$mgmt
for m in $mgmt; do
	group=$(readlink "/sys/bus/pci/devices/${m#pci/}/iommu_group")
	echo "${m#pci/}: IOMMU group ${group##*/}, default domain $(cat "/sys/bus/pci/devices/${m#pci/}/iommu_group/type")"
done

"$selftests/vhost_vdpa_traffic_test" -t loopback_frames_verified \
	-t stop_and_restart_keeps_working -t polled_rings_frames_verified
"$selftests/vhost_vdpa_svq_dirty_test" -t log_matches_written_pages \
	-t log_harvested_during_traffic

# Each NIC given to plain vhost-vdpa, whose open attaches a domain of its
# own to it: that fails (EBUSY) if a domain of the upper devices the tests
# created, mapped through and deleted were still attached.
for m in $mgmt; do
	vdpa dev add name plain0 mgmtdev "$m"
	svq_bind plain0 vhost_vdpa
	node=$(svq_vhost_dev plain0)
	exec 3<> "$node"
	exec 3>&-
	echo "$m: plain vhost-vdpa opened $node"
	vdpa dev del plain0
done
