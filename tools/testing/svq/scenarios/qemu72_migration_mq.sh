#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live migration, a -> b -> a, of a device with two queue pairs and a
# control queue (vdpa_sim_net with max_vqp 2 from the test bench's
# kernel-patches/, QEMU's virtio-net-pci with mq=on): the driver turns both
# pairs on and alternates frames between them. QEMU 7.2 has a vhost device
# per queue pair and stops them one by one, so the first pair's
# GET_VRING_BASE comes while the other pair still runs; on the destination
# QEMU restores the queue pairs through the control queue itself, and
# both pairs' rings and buffers are checked before traffic goes on.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
work=$(mktemp -d)
# every QEMU of the scenario, source and destinations
export SVQ_QEMU_DEVICE=",mq=on"
svq_qemu72_setup "$work" "max_vqp 2"
rc=0
svq_qemu72_run "$work" -q 2 -f 10 -m 2 || rc=$?
a=$(cat /sys/bus/vdpa/devices/msvq0/stats/switches)
b=$(cat /sys/bus/vdpa/devices/msvq1/stats/switches)
svq_qemu72_teardown "$work"
[ "$rc" = 0 ]
# a was a source once, b once
[ "$a" -ge 1 ] && [ "$b" -ge 1 ]
