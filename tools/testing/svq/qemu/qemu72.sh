#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Start and stop the QEMU 7.2 processes of the migration scenarios: one
# per side ("a", "b"), each on the vhost-vdpa node named in DIR/SIDE.node,
# with a halting firmware, a qtest socket (DIR/SIDE.qtest, for qtest_net)
# and a QMP socket (DIR/SIDE.qmp); its messages go to DIR/SIDE.log. Only
# stock QEMU options are used. The environment can add options: to the
# -netdev in SVQ_QEMU_NETDEV (e.g. ",x-svq=on"), to the virtio-net-pci
# -device in SVQ_QEMU_DEVICE (e.g. ",mq=on,vectors=6"), to the command
# line in SVQ_QEMU_EXTRA. Debian's QEMU 7.2 runs unless SVQ_QEMU_BIN names
# another binary (svq_qemu101 in lib.sh: QEMU 10.1, with its firmware
# directory in SVQ_QEMU_FIRMWARE, passed as -L).
#
# Usage: qemu72.sh start DIR SIDE [incoming]
#          (Re)start SIDE's QEMU: an earlier one is stopped first (it holds
#          the vhost-vdpa node); "incoming" waits for a migration on
#          unix:DIR/SIDE.mig. Returns once both sockets accept.
#        qemu72.sh stop DIR
#          Stop every QEMU started in DIR.
set -eu

stop_side() { # dir side
	local pidfile=$1/$2.pid pid i state

	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	# gone, or a zombie (QEMU runs detached; whoever reaps it may be slow)
	for i in $(seq 100); do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || break
		[ "$state" = Z ] && break
		sleep 0.1
	done
	rm -f "$pidfile" "$1/$2.qtest" "$1/$2.qmp" "$1/$2.mig"
}

start_side() { # dir side [incoming]
	local dir=$1 side=$2 node i
	local incoming=() firmware=()

	node=$(cat "$dir/$side.node")
	[ "${3:-}" = incoming ] && incoming=(-incoming "unix:$dir/$side.mig")
	[ -n "${SVQ_QEMU_FIRMWARE:-}" ] && firmware=(-L "$SVQ_QEMU_FIRMWARE")
	stop_side "$dir" "$side"
	# A 64 KiB firmware whose reset vector halts: cli; hlt; jmp back.
	[ -f "$dir/halt.bin" ] ||
		python3 -c 'import sys; sys.stdout.buffer.write(b"\0" * 65520 + b"\xfa\xf4\xeb\xfd" + b"\0" * 12)' \
			> "$dir/halt.bin"
	ulimit -l unlimited
	"${SVQ_QEMU_BIN:-qemu-system-x86_64}" "${firmware[@]}" \
		-accel tcg -m 128 -nodefaults -display none -bios "$dir/halt.bin" \
		-netdev vhost-vdpa,vhostdev="$node",id=n0"${SVQ_QEMU_NETDEV:-}" \
		-device virtio-net-pci,netdev=n0,romfile=,disable-legacy=on,mac=52:54:00:00:00:02"${SVQ_QEMU_DEVICE:-}" \
		-qtest unix:"$dir/$side.qtest",server=on,wait=off -qtest-log /dev/null \
		-qmp unix:"$dir/$side.qmp",server=on,wait=off \
		${SVQ_QEMU_EXTRA:-} "${incoming[@]}" </dev/null >>"$dir/$side.log" 2>&1 &
	echo $! > "$dir/$side.pid"
	for i in $(seq 100); do
		[ -S "$dir/$side.qtest" ] && [ -S "$dir/$side.qmp" ] &&
			{ [ -z "${3:-}" ] || [ -S "$dir/$side.mig" ]; } && return 0
		sleep 0.1
	done
	echo "qemu72.sh: QEMU for side $side did not come up" >&2
	return 1
}

case "${1:-}" in
start)	start_side "$2" "$3" "${4:-}" ;;
stop)	stop_side "$2" a; stop_side "$2" b ;;
*)	echo "usage: qemu72.sh start DIR SIDE [incoming] | stop DIR" >&2; exit 2 ;;
esac
