# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the in-VM runner, the scenarios and the demo.

# svq_load_stack - load the parent stack: vdpa_sim in PA mode (use_va=0,
# like real hardware), vdpa_sim_net, vhost_vdpa and our module. In PA mode
# vhost_vdpa maps guest memory in physically contiguous chunks, one IOTLB
# entry each: a 128 MiB guest in fragmented memory needs tens of thousands,
# over the default limit of 2048 of both vdpa_sim and vhost_vdpa (QEMU then
# reports "vhost vdpa map fail!" and the NIC is dead).
svq_load_stack()
{
	modprobe vdpa_sim use_va=0 max_iotlb_entries=1048576 &&
	modprobe vdpa_sim_net &&
	modprobe vhost_vdpa max_iotlb_entries=1048576 &&
	modprobe vhost_vdpa_svq
}

# svq_sim_no_indirect - reload the bench's vdpa_sim_net without
# VIRTIO_RING_F_INDIRECT_DESC (kernel-patches/0002 offers it): QEMU 10.1's
# shadow virtqueue refuses a device that offers it ("SVQ Invalid device
# feature flags"). Nothing on a vdpa_sim_net without the parameter.
svq_sim_no_indirect()
{
	[ -e /sys/module/vdpa_sim_net/parameters/indirect_desc ] || return 0
	rmmod vdpa_sim_net && modprobe vdpa_sim_net indirect_desc=0
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
	# vp_vdpa (scenarios/vp_vdpa_parent.sh) only if loaded: Debian's
	# kernels do not have it
	if [ -d /sys/module/vp_vdpa ]; then modprobe -r vp_vdpa || return 1; fi
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

# svq_lower_mgmtdev - the management device lower devices are created
# from: vdpasim_net, or with SVQ_LOWER_MGMTDEVS set (a list, e.g. vp_vdpa's
# "pci/0000:00:10.0 pci/0000:00:11.0", which give one device each) the
# first one no vdpa device was created from yet.
svq_lower_mgmtdev()
{
	local m used
	[ -n "${SVQ_LOWER_MGMTDEVS:-}" ] || { echo vdpasim_net; return 0; }
	used=$(vdpa -j dev show 2>/dev/null | python3 -c 'import json,sys
print(" ".join(d["mgmtdev"] for d in json.load(sys.stdin).get("dev", {}).values()))')
	for m in $SVQ_LOWER_MGMTDEVS; do
		case " $used " in *" $m "*) ;; *) echo "$m"; return 0 ;; esac
	done
	echo "svq_lower_mgmtdev: all of $SVQ_LOWER_MGMTDEVS are in use" >&2
	return 1
}

# svq_vp_vdpa_bind - give vp_vdpa the virtio-net-pci NICs behind the
# IOMMU (vm-run.sh --iommu: modern only, so PCI device id 0x1041) and
# print their management devices' names; none without such a NIC.
svq_vp_vdpa_bind()
{
	local d bdf
	modprobe vp_vdpa || return 1
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1041 ] || continue
		bdf=$(basename "$d")
		if [ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" != vp-vdpa ]; then
			[ -e "$d/driver" ] && echo "$bdf" > "$d/driver/unbind"
			echo vp-vdpa > "$d/driver_override"
			echo "$bdf" > /sys/bus/pci/drivers_probe
		fi
		[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = vp-vdpa ] || return 1
		echo "pci/$bdf"
	done
}

# svq_stack LOWER UPPER [ADD_ARGS] - create device LOWER (vdpa_sim_net, or
# see svq_lower_mgmtdev), claim it and create the upper device UPPER on it.
svq_stack()
{
	local i m
	m=$(svq_lower_mgmtdev) || return 1
	vdpa dev add name "$1" mgmtdev "$m" ${3:-} || return 1
	svq_bind "$1" vhost_vdpa_svq || return 1
	for i in $(seq 50); do
		vdpa mgmtdev show "vdpa/$1" > /dev/null 2>&1 && break
		sleep 0.1
	done
	vdpa dev add name "$2" mgmtdev "vdpa/$1"
}

# svq_qemu72_setup WORK [LOWER_ARGS] - the migration scenarios' devices:
# two vdpa_sim_net devices (created with LOWER_ARGS, e.g. "max_vqp 2"),
# each with a shadow device (msvq0 for side a, msvq1 for side b), and side
# a's QEMU 7.2 running (see qemu/qemu72.sh).
svq_qemu72_setup()
{
	svq_stack mlower0 msvq0 "${2:-}" && svq_stack mlower1 msvq1 "${2:-}" || return 1
	svq_vhost_dev msvq0 > "$1/a.node" && svq_vhost_dev msvq1 > "$1/b.node" &&
	"$SVQ_REPO/tools/testing/svq/qemu/qemu72.sh" start "$1" a
}

# svq_qemu72_run WORK ARGS - run qemu/qtest_net on the setup's QEMU with
# ARGS, then print what each shadow device did; returns qtest_net's status.
svq_qemu72_run()
{
	local work=$1 rc=0 d
	shift
	timeout 300 "$SVQ_REPO/tools/testing/svq/qemu/qtest_net" -w "$work" \
		-x "$SVQ_REPO/tools/testing/svq/qemu/qemu72.sh start $work" "$@" || rc=$?
	for d in a b; do
		[ -s "$work/$d.log" ] && sed "s/^/QEMU $d: /" "$work/$d.log"
	done
	for d in msvq0 msvq1; do
		echo "$d: state $(cat /sys/bus/vdpa/devices/$d/state)" \
		     "switches $(cat /sys/bus/vdpa/devices/$d/stats/switches)" \
		     "pages_logged $(cat /sys/bus/vdpa/devices/$d/stats/pages_logged)"
	done
	return "$rc"
}

# svq_qemu101 - let qemu/qemu72.sh start QEMU 10.1 instead of Debian's 7.2:
# qemu/build-qemu101.sh's build in the host's cache (vm-run.sh names it in
# SVQ_QEMU101_DIR; the host's / is the VM's). Without that build, prints
# "SKIP: " and the reason, and fails (make check never builds QEMU).
svq_qemu101()
{
	local d=${SVQ_QEMU101_DIR:-}

	if [ -z "$d" ] || [ ! -f "$d/.svq-built" ]; then
		echo "SKIP: no QEMU 10.1 build in the cache${d:+ ($d)};" \
		     "tools/testing/svq/qemu/build-qemu101.sh builds it (make bench does)"
		return 1
	fi
	export SVQ_QEMU_BIN=$d/b/qemu-system-x86_64 SVQ_QEMU_FIRMWARE=$d/pc-bios
}

# svq_qemu72_teardown WORK - stop the QEMU processes, delete the devices
svq_qemu72_teardown()
{
	"$SVQ_REPO/tools/testing/svq/qemu/qemu72.sh" stop "$1"
	vdpa dev del mlower0
	vdpa dev del mlower1
	rm -rf "$1"
}
