#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The live switch of a kernel whose vDPA parents cannot resume (6.1: the
# lower device is reset and its configuration replayed, see "Kernel
# versions" in Documentation/driver-api/vdpa-svq.rst), on the bench
# kernel: debugfs fault_no_resume makes the module treat vdpa_sim as a
# parent without resume. The switch tests of the dirty-log selftest
# (1000 switches without a lost frame, switches during traffic and
# mapping changes, rings filled before the restart) and the QEMU 7.2
# migration, where the source switches that way.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
selftests=$SVQ_REPO/tools/testing/selftests/vhost_vdpa_svq
fault=/sys/kernel/debug/vhost_vdpa_svq/fault_no_resume
work=$(mktemp -d)

trap 'echo 0 > "$fault"' EXIT
echo 1 > "$fault"
"$selftests/vhost_vdpa_svq_dirty_test" -t switches_1000_no_loss \
	-t concurrent_traffic_switches_mappings \
	-t switch_fills_rings_before_resume -t log_matches_written_pages
svq_qemu72_setup "$work"
rc=0
svq_qemu72_run "$work" -f 30 -m 1 || rc=$?
switches=$(cat /sys/bus/vdpa/devices/msvq0/stats/switches)
svq_qemu72_teardown "$work"
[ "$rc" = 0 ]
[ "$switches" -ge 1 ]
