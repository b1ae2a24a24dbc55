#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live migration with QEMU 10.1 (qemu/build-qemu101.sh) on two shadow
# devices in auto mode: the compatibility side. QEMU >= 8 never turns on
# the kernel's dirty log for vhost-vdpa: at migration setup it stops the
# device and starts it again behind its own userspace shadow virtqueue
# (vdpa_net_migration_state_notifier() in net/vhost-vdpa.c), so the
# upper device must stay in passthrough and carry QEMU's shadow rings
# like any other. Checked: qemu/qtest_net verifies every frame before,
# during and after the migration and the destination's rings and receive
# buffers (as in qemu72_migration.sh); QEMU did shadow the device (its
# vhost_vdpa_set_dev_vring_base trace says "svq: 1"); the source device
# stayed in passthrough throughout (its state sampled while the migration
# ran, no switch, no page logged). SKIPs when the cache has no QEMU 10.1
# build: make check never builds QEMU.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
svq_qemu101 || exit 4
trap 'svq_unload_stack; svq_load_stack' EXIT
svq_sim_no_indirect
export SVQ_QEMU_EXTRA="-trace vhost_vdpa_set_dev_vring_base"
work=$(mktemp -d)
svq_qemu72_setup "$work"
# msvq0's state while QEMU runs on it
while :; do cat /sys/bus/vdpa/devices/msvq0/state; sleep 0.05; done > "$work/states" &
sampler=$!
rc=0
# -r: QEMU 10.1 may stop before it takes a notified frame (qtest_net.c)
svq_qemu72_run "$work" -f 30 -m 1 -r > "$work/run.log" 2>&1 || rc=$?
kill "$sampler"
wait "$sampler" 2>/dev/null || true
grep -v 'vhost_vdpa_set_dev_vring_base' "$work/run.log" || true
d=/sys/bus/vdpa/devices/msvq0
mode=$(cat "$d/mode") switches=$(cat "$d/stats/switches") logged=$(cat "$d/stats/pages_logged")
shadowed=$(grep -c '^QEMU a: .*vhost_vdpa_set_dev_vring_base.* svq: 1' "$work/run.log" || true)
states=$(uniq -c "$work/states" | awk '{ printf "%s%s x%s", (NR > 1 ? " -> " : ""), $2, $1 }')
svq_qemu72_teardown "$work"
echo "QEMU: $("$SVQ_QEMU_BIN" --version | head -n 1)"
echo "QEMU a set $shadowed ring bases with svq: 1 (its own shadow virtqueue)"
echo "msvq0: mode $mode, state sampled while QEMU ran: $states;" \
     "switches $switches, pages_logged $logged"
ok=1
bad() { echo "FAIL: $*"; ok=0; }
[ "$rc" = 0 ] || bad "qtest_net exit status $rc (a frame or the destination's memory did not check out)"
[ "$shadowed" -ge 1 ] || bad "QEMU did not shadow the device (no ring base set with svq: 1)"
[ "$mode" = auto ] || bad "msvq0 is in mode $mode, not auto"
[ "$switches" = 0 ] || bad "msvq0 switched to shadow mode ($switches switches)"
[ "$logged" = 0 ] || bad "msvq0 logged $logged pages"
[ "$states" = "${states//shadow/}" ] || bad "msvq0 was seen in shadow mode"
[ "$ok" = 1 ]
