#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Ten live migrations in a row, a -> b -> a ..., with the control queue
# negotiated (QEMU 7.2 then asks for the data queues' state while the
# device still runs): a new -incoming QEMU on the side just left each
# time, traffic verified before, during and after every migration, the
# MAC address set through the control queue on every side.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
work=$(mktemp -d)
svq_qemu72_setup "$work"
rc=0
svq_qemu72_run "$work" -c -f 10 -m 10 || rc=$?
a=$(cat /sys/bus/vdpa/devices/msvq0/stats/switches)
b=$(cat /sys/bus/vdpa/devices/msvq1/stats/switches)
svq_qemu72_teardown "$work"
[ "$rc" = 0 ]
# each side was a source five times
[ "$a" -ge 5 ] && [ "$b" -ge 5 ]
