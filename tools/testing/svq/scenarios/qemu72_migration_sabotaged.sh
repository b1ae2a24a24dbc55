#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration scenario with the dirty log broken on purpose (debugfs
# fault_skip_log: the relay marks nothing): the receive buffers the
# device fills while memory is copied never reach the destination, and
# qtest_net must say so (exit status 3). Proves the positive scenario can
# catch a missed page.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
fault=/sys/kernel/debug/vhost_vdpa_svq/fault_skip_log
work=$(mktemp -d)
trap 'echo 0 > "$fault"' EXIT
svq_qemu72_setup "$work"
echo 1 > "$fault"
rc=0
svq_qemu72_run "$work" -f 30 -m 1 || rc=$?
echo 0 > "$fault"
switches=$(cat /sys/bus/vdpa/devices/msvq0/stats/switches)
svq_qemu72_teardown "$work"
echo "qtest_net exit status $rc (3: device writes missing on the destination)"
[ "$rc" = 3 ]
# the device did switch to shadow: only the log was broken
[ "$switches" -ge 1 ]
