#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# virtio_vdpa + virtio_net on the upper device pass traffic through
# vdpa_sim_net's loopback, payloads verified, with the same result as on
# vdpa_sim_net directly.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
count=${SVQ_TRAFFIC_FRAMES:-2000}
modprobe virtio_vdpa
modprobe virtio_net

run_on()
{
	local dev=$1 ifname
	svq_bind "$dev" virtio_vdpa
	ifname=$(svq_netdev 52:54:00:00:00:10)
	ip link set "$ifname" up
	python3 "$SVQ_REPO/tools/testing/svq/pkt_loop.py" "$ifname" "$count"
}

vdpa dev add name direct0 mgmtdev vdpasim_net mac 52:54:00:00:00:10
direct=$(run_on direct0)
echo "vdpa_sim_net directly:  $direct"
vdpa dev del direct0

for mode in passthrough shadow; do
	svq_stack lower0 svq0 "mac 52:54:00:00:00:10"
	echo $mode > /sys/bus/vdpa/devices/svq0/mode
	stacked=$(run_on svq0)
	echo "through svq0 ($mode): $stacked"
	state=$(cat /sys/bus/vdpa/devices/svq0/state)
	kicks=$(cat /sys/bus/vdpa/devices/svq0/stats/kicks)
	irqs=$(cat /sys/bus/vdpa/devices/svq0/stats/interrupts)
	relayed=$(cat /sys/bus/vdpa/devices/svq0/stats/relayed_descs)
	bytes=$(cat /sys/bus/vdpa/devices/svq0/shadow_bytes)
	echo "svq0: state $state kicks $kicks interrupts $irqs relayed_descs $relayed shadow_bytes $bytes"
	vdpa dev del svq0
	vdpa dev del lower0

	[ "$direct" = "$stacked" ] || { echo "results differ"; exit 1; }
	[ "$state" = "$mode" ] && [ "$kicks" -gt 0 ] && [ "$irqs" -gt 0 ]
	if [ $mode = shadow ]; then
		[ "$relayed" -gt 0 ] && [ "$bytes" -gt 0 ] && [ "$bytes" -lt 65536 ]
	else
		[ "$relayed" = 0 ]
	fi
done
