#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stacking life cycle: claim a vdpa_sim_net device through driver_override
# (drivers_probe or the bind file) and through the claim parameter, create
# and delete upper devices with the vdpa tool, the sysfs attributes,
# refused requests, removal and unbinding of the lower device under the
# upper one (idle, open, bound to virtio_vdpa, racing with vdpa dev del),
# rmmod, and a parent in VA mode refused.
set -eux
. "$SVQ_REPO/tools/testing/svq/lib.sh"

mac=52:54:00:aa:bb:01
wait_for() { local i; for i in $(seq 50); do eval "$1" && return 0; sleep 0.1; done; return 1; }
expect_fail() { if "$@"; then echo "unexpected success: $*"; exit 1; fi; }
# each refusal fails the command and says why in one kernel log line
expect_refusal() { # message command...
	local msg=$1 seen
	shift
	seen=$(dmesg | wc -l)
	if "$@"; then echo "unexpected success: $*"; exit 1; fi
	dmesg | tail -n "+$((seen + 1))" | tee /dev/stderr | grep -q "$msg"
}

# Claim through driver_override + drivers_probe
vdpa dev add name lower0 mgmtdev vdpasim_net mac $mac
echo lower0 > /sys/bus/vdpa/drivers/vhost_vdpa/unbind
echo vhost_vdpa_svq > /sys/bus/vdpa/devices/lower0/driver_override
echo lower0 > /sys/bus/vdpa/drivers_probe
[ "$(basename "$(readlink /sys/bus/vdpa/devices/lower0/driver)")" = vhost_vdpa_svq ]
wait_for 'vdpa mgmtdev show vdpa/lower0 >/dev/null 2>&1'
vdpa mgmtdev show vdpa/lower0 | tee /dev/stderr | grep -q 'supported_classes net'
vdpa mgmtdev show vdpa/lower0 | grep -q 'max_supported_vqs 3'

# Upper device: same config as the lower one, bound to vhost_vdpa
vdpa dev add name svq0 mgmtdev vdpa/lower0
vdpa dev show svq0 | tee /dev/stderr | grep -q 'type network mgmtdev vdpa/lower0'
vdpa dev config show svq0 | tee /dev/stderr | grep -q "mac $mac"
svq_vhost_dev svq0
[ "$(cat /sys/bus/vdpa/devices/svq0/lower)" = lower0 ]
[ "$(cat /sys/bus/vdpa/devices/svq0/mode)" = auto ]
[ "$(cat /sys/bus/vdpa/devices/svq0/state)" = passthrough ]
for c in kicks interrupts relayed_descs pages_logged errors; do
	[ "$(cat /sys/bus/vdpa/devices/svq0/stats/$c)" = 0 ]
done
echo passthrough > /sys/bus/vdpa/devices/svq0/mode
[ "$(cat /sys/bus/vdpa/devices/svq0/mode)" = passthrough ]
expect_fail sh -c 'echo bogus > /sys/bus/vdpa/devices/svq0/mode'
[ "$(cat /sys/bus/vdpa/devices/svq0/mode)" = passthrough ]

# Refused: a second upper device, attributes the lower cannot honour, rmmod
expect_refusal "lower0: already has the upper device svq0" \
	vdpa dev add name svq1 mgmtdev vdpa/lower0
expect_fail vdpa dev show svq1
vdpa dev del svq0
expect_refusal "lower0: mtu 9000: the lower device's mtu is 1500" \
	vdpa dev add name svq1 mgmtdev vdpa/lower0 mtu 9000
expect_refusal "lower0: max_vqp 2: the lower device has 1 queue pairs" \
	vdpa dev add name svq1 mgmtdev vdpa/lower0 max_vqp 2
vdpa dev add name svq1 mgmtdev vdpa/lower0 mtu 1500 mac $mac
expect_fail modprobe -r vhost_vdpa_svq
vdpa dev del svq1
# a new mac goes to the lower device through its management device
vdpa dev add name svq1 mgmtdev vdpa/lower0 mac 52:54:00:aa:bb:02
vdpa dev config show lower0 | grep -q 'mac 52:54:00:aa:bb:02'
vdpa dev config show svq1 | grep -q 'mac 52:54:00:aa:bb:02'

# Removing the lower device removes the upper one and the management device
vdpa dev del lower0
expect_fail vdpa dev show svq1
wait_for '! vdpa mgmtdev show vdpa/lower0 >/dev/null 2>&1'

# Claim through the bind file, release through the unbind file
drv=/sys/bus/vdpa/drivers/vhost_vdpa_svq
gone() { wait_for "! vdpa $1 show $2 >/dev/null 2>&1"; }
vdpa dev add name lower4 mgmtdev vdpasim_net mac $mac
echo lower4 > /sys/bus/vdpa/drivers/vhost_vdpa/unbind
echo vhost_vdpa_svq > /sys/bus/vdpa/devices/lower4/driver_override
echo lower4 > $drv/bind
[ "$(basename "$(readlink /sys/bus/vdpa/devices/lower4/driver)")" = vhost_vdpa_svq ]
wait_for 'vdpa mgmtdev show vdpa/lower4 >/dev/null 2>&1'
# an idle upper device bound to vhost_vdpa: it goes, the lower one stays
vdpa dev add name svq4 mgmtdev vdpa/lower4
svq_vhost_dev svq4 > /dev/null
echo lower4 > $drv/unbind
[ ! -e /sys/bus/vdpa/devices/lower4/driver ]
gone dev svq4
gone mgmtdev vdpa/lower4
vdpa dev show lower4
expect_fail sh -c "echo lower4 > $drv/unbind"
# bound again; unbinding waits for the VMM to close the upper device
echo lower4 > $drv/bind
wait_for 'vdpa mgmtdev show vdpa/lower4 >/dev/null 2>&1'
vdpa dev add name svq4 mgmtdev vdpa/lower4
exec 3<> "$(svq_vhost_dev svq4)"
(exec 3>&-; echo lower4 > $drv/unbind) &
unbind=$!
sleep 1
kill -0 $unbind
exec 3>&-
wait $unbind
gone dev svq4
gone mgmtdev vdpa/lower4
# bound again, the upper device on virtio_vdpa: its netdev goes
modprobe virtio_vdpa
modprobe virtio_net
echo lower4 > $drv/bind
wait_for 'vdpa mgmtdev show vdpa/lower4 >/dev/null 2>&1'
vdpa dev add name svq4 mgmtdev vdpa/lower4
svq_bind svq4 virtio_vdpa
ifname=$(svq_netdev $mac)
ip link set "$ifname" up
echo lower4 > $drv/unbind
gone dev svq4
[ ! -e /sys/class/net/"$ifname" ]
gone mgmtdev vdpa/lower4
# The unbind takes no vdpa core lock: it completes while "vdpa dev del" of
# another device holds that lock (waiting for its VMM to close), and leaves
# a dead upper device that no driver can bind, until the lock is free
vdpa dev add name holder mgmtdev vdpasim_net
svq_bind holder vhost_vdpa
exec 4<> "$(svq_vhost_dev holder)"
echo lower4 > $drv/bind
wait_for 'vdpa mgmtdev show vdpa/lower4 >/dev/null 2>&1'
vdpa dev add name svq4 mgmtdev vdpa/lower4
svq_vhost_dev svq4 > /dev/null
(exec 4>&-; vdpa dev del holder) &
holder=$!
sleep 1
kill -0 $holder
echo lower4 > $drv/unbind
[ ! -e /sys/bus/vdpa/devices/svq4/driver ]
[ "$(cat /sys/bus/vdpa/devices/svq4/driver_override)" = vhost_vdpa_svq ]
[ "$(cat /sys/bus/vdpa/devices/svq4/lower)" = lower4 ]
[ "$(cat /sys/bus/vdpa/devices/svq4/state)" = passthrough ]
expect_fail sh -c 'echo svq4 > /sys/bus/vdpa/drivers/vhost_vdpa/bind'
echo vhost_vdpa > /sys/bus/vdpa/devices/svq4/driver_override
expect_fail sh -c 'echo svq4 > /sys/bus/vdpa/drivers/vhost_vdpa/bind'
[ ! -e /sys/bus/vdpa/devices/svq4/driver ]
kill -0 $holder
exec 4>&-
wait $holder
gone dev svq4
gone mgmtdev vdpa/lower4
vdpa dev del lower4

# Unbinding races with vdpa dev del of the lower and the upper device and
# with readers of the upper device: whatever wins, both devices and the
# management device go, and nothing warns
for round in $(seq 20); do
	svq_stack rlower rsvq
	svq_vhost_dev rsvq > /dev/null
	# the unbind is delayed by 0 to 95 ms: either one wins, by round
	(sleep "$(printf 0.%03d $((round % 20 * 5)))"; echo rlower > $drv/unbind) 2>/dev/null &
	pids=$!
	(vdpa dev config show rsvq; vdpa dev show rsvq) > /dev/null 2>&1 &
	pids="$pids $!"
	[ $((round % 2)) = 0 ] && { vdpa dev del rsvq 2>/dev/null & pids="$pids $!"; }
	vdpa dev del rlower &
	del=$!
	for p in $pids; do wait "$p" || true; done
	wait $del
	gone dev rsvq
	gone mgmtdev vdpa/rlower
	expect_fail vdpa dev show rlower
done

# Claim through the module parameter, for a device created later
rmmod vhost_vdpa_svq	# modprobe -r would unload vhost_vdpa too
modprobe vhost_vdpa_svq claim=lower2,lower3
vdpa dev add name lower2 mgmtdev vdpasim_net
[ "$(basename "$(readlink /sys/bus/vdpa/devices/lower2/driver)")" = vhost_vdpa_svq ]
vdpa dev add name other mgmtdev vdpasim_net
[ "$(basename "$(readlink /sys/bus/vdpa/devices/other/driver)")" = vhost_vdpa ]
wait_for 'vdpa mgmtdev show vdpa/lower2 >/dev/null 2>&1'
vdpa dev add name svq2 mgmtdev vdpa/lower2
vdpa dev del lower2
expect_fail vdpa dev show svq2
vdpa dev del other
rmmod vhost_vdpa_svq	# modprobe -r would unload vhost_vdpa too
modprobe vhost_vdpa_svq

# Refused: a parent that maps user virtual addresses (vdpa_sim's default,
# and VDUSE). The claim fails, the device is left without a driver, and
# one line of ours in the kernel log names why.
svq_del_all_devices
modprobe -r vdpa_sim_net vdpa_sim
modprobe vdpa_sim use_va=1
[ "$(cat /sys/module/vdpa_sim/parameters/use_va)" = Y ]
modprobe vdpa_sim_net
vdpa dev add name valower mgmtdev vdpasim_net
echo valower > /sys/bus/vdpa/drivers/vhost_vdpa/unbind
echo vhost_vdpa_svq > /sys/bus/vdpa/devices/valower/driver_override
seen=$(dmesg | wc -l)
echo valower > /sys/bus/vdpa/drivers_probe || true
[ ! -e /sys/bus/vdpa/devices/valower/driver ]
[ "$(dmesg | tail -n "+$((seen + 1))" | tee /dev/stderr |
     grep -c 'valower: parent maps user virtual addresses (use_va): not supported')" = 1 ]
expect_fail vdpa mgmtdev show vdpa/valower
vdpa dev del valower
modprobe -r vdpa_sim_net vdpa_sim
svq_load_stack
echo "stack life cycle: ok"
