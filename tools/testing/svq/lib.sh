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

# svq_unload_stack - remove every vdpa device, then the modules; fails if a
# module is still in use (a leaked reference).
svq_unload_stack()
{
	local dev
	for dev in $(vdpa -j dev show 2>/dev/null | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin).get("dev", {})))'); do
		vdpa dev del "$dev" || return 1
	done
	modprobe -r vhost_vdpa_svq vhost_vdpa virtio_vdpa vdpa_sim_net vdpa_sim
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
