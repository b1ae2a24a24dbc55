# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the in-VM runner, the scenarios and the demo.

# svq_load_stack - load the parent stack: vdpa_sim in PA mode (use_va=0,
# like real hardware, with room for a pinned guest's map entries),
# vdpa_sim_net, vhost_vdpa, virtio_vdpa and our module.
svq_load_stack()
{
	modprobe vdpa_sim use_va=0 max_iotlb_entries=1048576 &&
	modprobe vdpa_sim_net &&
	modprobe vhost_vdpa &&
	modprobe vhost_vdpa_svq
}

# svq_del_all_devices - delete every vdpa device (upper ones go with their
# lower one, so errors on already deleted ones are ignored)
svq_del_all_devices()
{
	local dev
	for dev in $(vdpa -j dev show 2>/dev/null | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin).get("dev", {})))'); do
		vdpa dev del "$dev" 2>/dev/null
	done
	! vdpa dev show 2>/dev/null | grep -q .
}

# svq_reset_stack - back to a loaded stack with no device, whatever a
# previous test left behind
svq_reset_stack()
{
	svq_del_all_devices
	svq_load_stack
}

# svq_unload_stack - remove every vdpa device, then the modules; fails if a
# module is still in use (a leaked reference).
svq_unload_stack()
{
	svq_del_all_devices || return 1
	modprobe -r vhost_vdpa_svq vhost_vdpa virtio_net virtio_vdpa vdpa_sim_net vdpa_sim
}

# svq_vhost_dev NAME - print the /dev/vhost-vdpa-N of vdpa device NAME,
# waiting up to 5 s for udev-less devtmpfs to show it.
svq_vhost_dev()
{
	local i n
	for i in $(seq 50); do
		for n in /sys/bus/vdpa/devices/"$1"/vhost-vdpa-*; do
			[ -e "$n" ] || continue
			n=/dev/$(basename "$n")
			[ -c "$n" ] && { echo "$n"; return 0; }
		done
		sleep 0.1
	done
	return 1
}

# svq_bind DEV DRIVER - move vdpa device DEV to DRIVER (vhost_vdpa,
# virtio_vdpa, vhost_vdpa_svq) through driver_override.
svq_bind()
{
	local dev=$1 drv=$2 cur
	cur=/sys/bus/vdpa/devices/$dev/driver
	[ -e "$cur" ] && basename "$(readlink "$cur")" | grep -qx "$drv" && return 0
	[ -e "$cur" ] && echo "$dev" > "$cur/unbind"
	echo "$drv" > "/sys/bus/vdpa/devices/$dev/driver_override"
	echo "$dev" > /sys/bus/vdpa/drivers_probe
	basename "$(readlink "$cur")" | grep -qx "$drv"
}

# svq_netdev MAC - the netdev with MAC address MAC (virtio_vdpa parents
# the virtio device on the DMA device, which is the lower vdpa device)
svq_netdev()
{
	local i n
	for i in $(seq 50); do
		for n in /sys/class/net/*; do
			[ "$(cat "$n/address")" = "$1" ] && { basename "$n"; return 0; }
		done
		sleep 0.1
	done
	return 1
}

# svq_stack LOWER UPPER [ADD_ARGS] - create vdpa_sim_net device LOWER, claim
# it and create the upper device UPPER on it.
svq_stack()
{
	local i
	vdpa dev add name "$1" mgmtdev vdpasim_net ${3:-} || return 1
	svq_bind "$1" vhost_vdpa_svq || return 1
	for i in $(seq 50); do
		vdpa mgmtdev show "vdpa/$1" > /dev/null 2>&1 && break
		sleep 0.1
	done
	vdpa dev add name "$2" mgmtdev "vdpa/$1"
}
