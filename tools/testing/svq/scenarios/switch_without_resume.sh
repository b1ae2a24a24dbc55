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
selftests=$SVQ_REPO/tools/testing/selftests/vhost_vdpa_svq
fault=/sys/kernel/debug/vhost_vdpa_svq/fault_no_resume

trap 'echo 0 > "$fault"' EXIT
echo 1 > "$fault"
"$selftests/vhost_vdpa_svq_dirty_test" -t switches_1000_no_loss \
	-t concurrent_traffic_switches_mappings \
	-t switch_fills_rings_before_resume -t log_matches_written_pages
"$SVQ_REPO/tools/testing/svq/scenarios/qemu72_migration.sh"
