#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stacking life cycle: claim a vdpa_sim_net device through driver_override
# and through the claim parameter, create and delete upper devices with the
# vdpa tool, the sysfs attributes, refused requests, removal of the lower
# device under the upper one, and rmmod.
set -eux
. "$SVQ_REPO/tools/testing/svq/lib.sh"

mac=52:54:00:aa:bb:01
wait_for() { local i; for i in $(seq 50); do eval "$1" && return 0; sleep 0.1; done; return 1; }
expect_fail() { if "$@"; then echo "unexpected success: $*"; exit 1; fi; }

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
expect_fail vdpa dev add name svq1 mgmtdev vdpa/lower0
expect_fail vdpa dev show svq1
vdpa dev del svq0
expect_fail vdpa dev add name svq1 mgmtdev vdpa/lower0 mtu 9000
expect_fail vdpa dev add name svq1 mgmtdev vdpa/lower0 max_vqp 2
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

# Claim through the module parameter, for a device created later
modprobe -r vhost_vdpa_svq
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
modprobe -r vhost_vdpa_svq
modprobe vhost_vdpa_svq
echo "stack life cycle: ok"
