#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live migration with Debian's unmodified QEMU 7.2: two shadow devices
# (auto mode) on two vdpa_sim_net devices, a source and an -incoming
# destination QEMU, each with -netdev vhost-vdpa and a halting firmware.
# qemu/qtest_net drives virtio-net-pci through the qtest protocol: frames
# before, during and after the migration, every one verified, and the
# destination's used rings and receive buffers checked byte for byte.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
work=$(mktemp -d)
svq_qemu72_setup "$work"
rc=0
svq_qemu72_run "$work" -f 30 -m 1 || rc=$?
switches=$(cat /sys/bus/vdpa/devices/msvq0/stats/switches)
svq_qemu72_teardown "$work"
[ "$rc" = 0 ]
# the source switched to shadow when QEMU turned logging on
[ "$switches" -ge 1 ]
