#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The part of make demo that runs inside the VM.
set -euo pipefail
. "$PWD/tools/testing/svq/lib.sh"

say() { printf '\n--> %s\n' "$*"; }

say "Guest kernel $(uname -r); loading vdpa_sim (PA mode: use_va=0), vdpa_sim_net, vhost_vdpa, vhost_vdpa_svq"
svq_load_stack
lsmod | grep -E '^(vdpa|vhost|vringh)' | awk '{print "    " $1}'
say "Management devices the vdpa tool can create devices on"
vdpa mgmtdev show
say "Creating a simulated vDPA NIC: vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 52:54:00:12:34:56"
vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 52:54:00:12:34:56
say "vdpa dev show vdpa0"
vdpa dev show vdpa0
say "vdpa dev config show vdpa0"
vdpa dev config show vdpa0
node=$(svq_vhost_dev vdpa0)
say "vhost_vdpa bound it: a VMM would open $node"
ls -l "$node"

say "Stacking the shadow device on it: claim vdpa0 for vhost_vdpa_svq, then vdpa dev add name svq0 mgmtdev vdpa/vdpa0"
svq_bind vdpa0 vhost_vdpa_svq
for i in $(seq 50); do vdpa mgmtdev show vdpa/vdpa0 >/dev/null 2>&1 && break; sleep 0.1; done
vdpa mgmtdev show vdpa/vdpa0
vdpa dev add name svq0 mgmtdev vdpa/vdpa0
vdpa dev show svq0
echo "    sysfs: mode $(cat /sys/bus/vdpa/devices/svq0/mode), state $(cat /sys/bus/vdpa/devices/svq0/state), lower $(cat /sys/bus/vdpa/devices/svq0/lower)"

modprobe virtio_vdpa
modprobe virtio_net
for mode in passthrough shadow; do
	say "Guest-side traffic through svq0 in $mode mode (virtio_vdpa + virtio_net, frames looped back by vdpa_sim_net)"
	echo $mode > /sys/bus/vdpa/devices/svq0/mode
	svq_bind svq0 virtio_vdpa
	ifname=$(svq_netdev 52:54:00:12:34:56)
	ip link set "$ifname" up
	python3 "$PWD/tools/testing/svq/pkt_loop.py" "$ifname" 1000
	d=/sys/bus/vdpa/devices/svq0
	echo "    state $(cat $d/state): kicks $(cat $d/stats/kicks), interrupts $(cat $d/stats/interrupts), descriptors relayed $(cat $d/stats/relayed_descs), shadow ring memory $(cat $d/shadow_bytes) bytes"
	svq_bind svq0 vhost_vdpa
done

say "Deleting the devices and unloading the modules"
svq_unload_stack
echo "    done"
