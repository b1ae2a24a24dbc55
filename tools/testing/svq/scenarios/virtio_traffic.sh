#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# virtio_vdpa + virtio_net on the upper device pass traffic through
# vdpa_sim_net's loopback, every frame verified, with the same result as
# on vdpa_sim_net directly: 10^6 frames in shadow mode, 10^5 in
# passthrough and directly (the comparison).
#
# The checker is tools/testing/svq/l2/frame_loop.c (check.sh builds it
# into build/bin/ before the VM boots): sequence-numbered broadcast frames
# of 64 to 1514 bytes, each with a CRC-32 and a payload derived from its
# number, WINDOW in flight on an AF_PACKET socket. Every frame must come
# back exactly once, in order and intact: a single lost, late (duplicated
# or reordered) or corrupt frame, or one not back within 10 s, fails the
# scenario. Before the traffic, a fault of each kind is injected into the
# checker's own stream and must make it fail.
#
# Ring size: 256 entries only. virtio_vdpa sizes every ring at what the
# device reports (get_vq_size, else get_vq_num_max): vdpa_sim's
# VDPASIM_QUEUE_MAX, 256, a constant with no module parameter, and the
# upper device forwards it. Linux 6.12's "vdpa dev add" has no queue size
# attribute, virtio_net has no ring size parameter, and "ethtool -G"
# needs virtqueue_resize(), which virtio_vdpa does not support (no
# disable_vq_and_reset; vdpa_sim offers no VIRTIO_F_RING_RESET either).
# 64-entry rings are covered by vhost_vdpa_traffic_test (the mini-VMM
# chooses its ring size).
#
# Environment: SVQ_TRAFFIC_FRAMES (shadow, default 1000000),
# SVQ_TRAFFIC_CMP_FRAMES (passthrough and direct, default 100000),
# SVQ_TRAFFIC_WINDOW (frames in flight, default 64), SVQ_FRAME_LOOP (the
# checker binary, default build/bin/frame_loop).
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
frames=${SVQ_TRAFFIC_FRAMES:-1000000}
cmp_frames=${SVQ_TRAFFIC_CMP_FRAMES:-100000}
window=${SVQ_TRAFFIC_WINDOW:-64}
frame_loop=${SVQ_FRAME_LOOP:-$SVQ_REPO/build/bin/frame_loop}
mac=52:54:00:00:00:10
[ -x "$frame_loop" ] || {
	echo "no $frame_loop: build it on the host first (check.sh does:"
	echo "gcc -O2 -o build/bin/frame_loop tools/testing/svq/l2/frame_loop.c)"
	exit 1
}
modprobe virtio_vdpa
modprobe virtio_net

fail() { echo "FAIL: $*"; exit 1; }

# up DEV: bind DEV to virtio_vdpa, bring its netdev up, print its name
up()
{
	local ifname
	svq_bind "$1" virtio_vdpa
	ifname=$(svq_netdev $mac)
	ip link set "$ifname" up
	for _ in $(seq 100); do
		[ "$(cat "/sys/class/net/$ifname/carrier" 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	echo "$ifname"
}

# loop IFNAME FRAMES: run frame_loop for FRAMES frames; its output goes to
# stderr (the log), its result line to stdout. Fails unless PASS.
loop()
{
	local ifname=$1 n=$2 start rc=0 s=/sys/class/net/$1/statistics
	local tx rx

	tx=$(cat "$s/tx_packets")
	rx=$(cat "$s/rx_packets")
	start=$(date +%s.%N)
	"$frame_loop" -i "$ifname" -n "$n" -w "$window" -p 10 -t 500 > "$work/out" || rc=$?
	cat "$work/out" >&2
	echo "$n frames in $(echo "$(date +%s.%N) - $start" | bc) s, exit status $rc" >&2
	tx=$(($(cat "$s/tx_packets") - tx))
	rx=$(($(cat "$s/rx_packets") - rx))
	echo "$ifname: tx_packets +$tx rx_packets +$rx rx_dropped $(cat "$s/rx_dropped") rx_errors $(cat "$s/rx_errors")" >&2
	[ "$rc" = 0 ] || return 1
	# The netdev saw them too: frame_loop's frames, plus what the stack
	# sends by itself (IPv6 neighbour discovery, say)
	[ "$tx" -ge "$n" ] && [ "$rx" -ge "$n" ] || { echo "netdev counters too low" >&2; return 1; }
	# Same outcome on every device: all sent, all verified, no error
	sed -n 's/^frame_loop: result sent=[0-9]* verified=[0-9]* //p' "$work/out"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

vdpa dev add name direct0 mgmtdev vdpasim_net mac $mac
ifname=$(up direct0)

# The checker must see each kind of fault (frame 100 not sent, sent
# twice, sent with a byte flipped): status 1, FAIL. 2 is a setup error.
for fault in lose duplicate corrupt; do
	rc=0
	"$frame_loop" -i "$ifname" -n 1000 -p 0 -F $fault > "$work/out" || rc=$?
	echo "checker self-test, $fault: $(grep -m1 'ERROR' "$work/out" | sed 's/.*t=[^ ]* //'); exit status $rc"
	[ "$rc" = 1 ] || { cat "$work/out"; fail "the checker missed an injected fault"; }
done

direct=$(loop "$ifname" "$cmp_frames") || fail "frame_loop failed on vdpa_sim_net directly"
echo "vdpa_sim_net directly:  $direct"
vdpa dev del direct0

for mode in passthrough shadow; do
	n=$cmp_frames
	[ $mode = shadow ] && n=$frames
	svq_stack lower0 svq0 "mac $mac"
	echo $mode > /sys/bus/vdpa/devices/svq0/mode
	size=$(vdpa -j dev show svq0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["dev"]["svq0"]["max_vq_size"])')
	ifname=$(up svq0)
	# virtio_net negotiated both ring features with the bench's
	# vdpa_sim_net: the relay runs EVENT_IDX and indirect on both rings
	feat=$(cat "/sys/class/net/$ifname/device/features")
	ring="event_idx ${feat:29:1} indirect_desc ${feat:28:1}"
	rc=0
	stacked=$(loop "$ifname" "$n") || rc=$?
	echo "through svq0 ($mode, $n frames, $size-entry rings): $stacked"
	state=$(cat /sys/bus/vdpa/devices/svq0/state)
	kicks=$(cat /sys/bus/vdpa/devices/svq0/stats/kicks)
	irqs=$(cat /sys/bus/vdpa/devices/svq0/stats/interrupts)
	relayed=$(cat /sys/bus/vdpa/devices/svq0/stats/relayed_descs)
	errors=$(cat /sys/bus/vdpa/devices/svq0/stats/errors)
	bytes=$(cat /sys/bus/vdpa/devices/svq0/shadow_bytes)
	echo "svq0: state $state kicks $kicks interrupts $irqs relayed_descs $relayed errors $errors shadow_bytes $bytes $ring"
	vdpa dev del svq0
	vdpa dev del lower0

	[ "$rc" = 0 ] || fail "frame_loop failed through svq0 ($mode)"
	[ "$direct" = "$stacked" ] || fail "results differ"
	[ "$size" = 256 ] || fail "rings of $size entries, expected 256"
	[ "$state" = "$mode" ] || fail "state $state, expected $mode"
	[ "$errors" = 0 ] || fail "the module counted $errors errors"
	[ "$ring" = "event_idx 1 indirect_desc 1" ] || fail "ring features: $ring"
	[ "$kicks" -gt 0 ] && [ "$irqs" -gt 0 ] || fail "no kicks or no interrupts"
	if [ $mode = shadow ]; then
		# each frame is at least one TX and one RX descriptor
		[ "$relayed" -ge $((2 * n)) ] || fail "relayed_descs $relayed < 2 * $n"
		[ "$bytes" -gt 0 ] && [ "$bytes" -lt 65536 ] || fail "shadow_bytes $bytes"
	else
		[ "$relayed" = 0 ] || fail "relayed_descs $relayed in passthrough"
	fi
done
echo "PASS"
