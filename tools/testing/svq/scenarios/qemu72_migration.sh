#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live migration with Debian's unmodified QEMU 7.2: two shadow devices
# (auto mode) on two vdpa_sim_net devices, a source and an -incoming
# destination QEMU, each with -netdev vhost-vdpa and a halting firmware.
# qemu/qtest_net drives virtio-net-pci through the qtest protocol: frames
# before, during and after the migration, every one verified, and every
# receive buffer checked byte for byte on the destination.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
ulimit -l unlimited
work=$(mktemp -d)
python3 -c 'import sys; sys.stdout.buffer.write(b"\0" * 65520 + b"\xfa\xf4\xeb\xfd" + b"\0" * 12)' > "$work/halt.bin"
svq_stack mlower0 msvq0
svq_stack mlower1 msvq1
start_qemu() { # name node extra...
	local name=$1 node=$2; shift 2
	qemu-system-x86_64 -accel tcg -m 128 -nodefaults -display none -bios "$work/halt.bin" \
		-netdev vhost-vdpa,vhostdev="$node",id=n0 \
		-device virtio-net-pci,netdev=n0,romfile=,disable-legacy=on,mac=52:54:00:00:00:02 \
		-qtest unix:"$work/$name.qtest",server=on,wait=off -qmp unix:"$work/$name.qmp",server=on,wait=off \
		-daemonize -pidfile "$work/$name.pid" "$@"
}
start_qemu src "$(svq_vhost_dev msvq0)"
start_qemu dst "$(svq_vhost_dev msvq1)" -incoming unix:"$work/mig.sock"
sleep 1
rc=0
timeout 300 "$SVQ_REPO/tools/testing/svq/qemu/qtest_net" "$work/src.qtest" 30 "$work/dst.qtest" \
	"$work/src.qmp" unix:"$work/mig.sock" || rc=$?
for d in msvq0 msvq1; do
	echo "$d: state $(cat /sys/bus/vdpa/devices/$d/state)" \
	     "switches $(cat /sys/bus/vdpa/devices/$d/stats/switches)" \
	     "pages_logged $(cat /sys/bus/vdpa/devices/$d/stats/pages_logged)"
done
switches=$(cat /sys/bus/vdpa/devices/msvq0/stats/switches)
kill "$(cat "$work/src.pid")" "$(cat "$work/dst.pid")" 2>/dev/null || true
sleep 1
vdpa dev del mlower0
vdpa dev del mlower1
rm -rf "$work"
[ "$rc" = 0 ]
# the source switched to shadow when QEMU turned logging on
[ "$switches" -ge 1 ]
