#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM on the stock kernel (stock/smoke.sh): the vDPA stack,
# a vdpa_sim_net device on vhost_vdpa, the traffic test, a clean unload.
# Usage: smoke-vm.sh STOCK_TRAFFIC_TEST
set -u
test_prog=$1
rc=0
step() { echo "# $*"; }
check() { if "$@"; then echo "ok - $*"; else echo "not ok - $*"; rc=1; fi; }

step "kernel $(uname -r): $(uname -v)"
check test "$(uname -r)" = 6.1.0-57-amd64
step "taint before loading: $(cat /proc/sys/kernel/tainted)"
check modprobe vdpa
check modprobe vhost_vdpa
check modprobe vdpa_sim use_va=0 max_iotlb_entries=1048576
check modprobe vdpa_sim_net
for m in vdpa vhost_vdpa vdpa_sim vdpa_sim_net vhost vhost_iotlb; do
	step "$m: $(modinfo -n "$m")"
done
vdpa mgmtdev show
check vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 52:54:00:00:00:01
vdpa dev show vdpa0
vdpa dev config show vdpa0
step "vdpa0's driver: $(basename "$(readlink /sys/bus/vdpa/devices/vdpa0/driver)")"
for _ in $(seq 50); do [ -c /dev/vhost-vdpa-0 ] && break; sleep 0.1; done
check test -c /dev/vhost-vdpa-0
ls -l /dev/vhost-vdpa-*
check vdpa dev del vdpa0

step "stock_traffic_test"
"$test_prog" > "$SVQ_OUT/stock_traffic_test.tap" 2>&1
trc=$?
cat "$SVQ_OUT/stock_traffic_test.tap"
check test "$trc" = 0

check modprobe -r vhost_vdpa vdpa_sim_net vdpa_sim vdpa
check test ! -d /sys/module/vdpa
step "taint after: $(cat /proc/sys/kernel/tainted)"
dmesg > "$SVQ_OUT/dmesg.txt"
grep -iE 'vdpa|vhost|taint|signature' "$SVQ_OUT/dmesg.txt" | sed 's/^/#   dmesg: /'
if grep -E 'WARNING:|BUG:|Oops|general protection' "$SVQ_OUT/dmesg.txt"; then
	echo "not ok - kernel log clean"; rc=1
else
	echo "ok - kernel log clean"
fi
exit "$rc"
