#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The part of make demo that runs inside the test VM (L1): live migration
# of a real Linux guest (L2) with Debian's unmodified QEMU 7.2 between two
# shadow devices, with verified traffic before, during and after.
#
# L2 runs the test kernel and the initramfs of l2/mkinitramfs.sh (no 9p),
# both in SVQ_DEMO_L2 (default build/demo/, where demo.sh puts them; make
# check's scenarios/vp_vdpa_linux_guest.sh has its own), with
# its own virtio_net driver on -netdev vhost-vdpa, and l2/frame_loop,
# which sends sequence-numbered, checksummed frames that vdpa_sim_net loops
# back, and checks every one. Serial port 1 is the guest's console (a file
# here), serial port 2 its control line: "mark" once the migration is over,
# "stop" at the end.
#
# With SVQ_DEMO_QEMU=10.1 both QEMU processes are QEMU 10.1 (qemu/
# build-qemu101.sh's build, SVQ_QEMU101_DIR). QEMU >= 8 never turns on the
# kernel's dirty log for vhost-vdpa: at migration setup it restarts the
# device behind its own userspace shadow virtqueue. The report then
# expects dsvq0 to stay in passthrough (no switch, no page logged) and
# QEMU to have shadowed it (its vhost_vdpa_set_dev_vring_base trace says
# "svq: 1"), and says PASS and why; under QEMU < 8 it expects the switch
# to shadow mode and logged pages. SVQ_DEMO_STACK=plain (QEMU 10.1 only)
# runs the same on plain vhost-vdpa + vdpa_sim_net, no upper device: the
# reference for what QEMU 10.1 does by itself.
#
# Usage: demo-guest.sh [BEFORE [AFTER [WINDOW]]]
#   seconds of guest traffic before the migration and after it (10, 15),
#   frames in flight at most (frame_loop -w, 64)
set -euo pipefail
. "$PWD/tools/testing/svq/lib.sh"

say() { printf '\n--> %s\n' "$*"; }

before=${1:-10}
after=${2:-15}
window=${3:-64}
min_after=100				# frames the destination must verify
l2=${SVQ_DEMO_L2:-$PWD/build/demo}
initrd=$l2/initramfs.cpio
# the bench kernel, also when the test VM runs a Debian kernel (demo.sh)
bzimage=$l2/bzImage
qmp_py=$PWD/tools/testing/svq/qemu/qmp.py
work=$(mktemp -d)
declare -A pid			# QEMU process of each side
sys=/sys/bus/vdpa/devices
[ -f "$initrd" ] || { echo "no $initrd (demo.sh builds it)"; exit 1; }
qemu=(qemu-system-x86_64)
if [ "${SVQ_DEMO_QEMU:-}" = 10.1 ]; then
	svq_qemu101 || exit 1
	qemu=("$SVQ_QEMU_BIN" -L "$SVQ_QEMU_FIRMWARE")
fi
qemu_version=$("${qemu[0]}" --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')
# QEMU >= 8 shadows vhost-vdpa itself while it migrates
qemu_svq=0
[ "${qemu_version%%.*}" -ge 8 ] && qemu_svq=1

# Keep the guests' consoles with vm-run.sh's output; stop what is left.
cleanup()
{
	local name
	if [ -n "${sampler:-}" ]; then kill "$sampler" 2>/dev/null || true; fi
	if [ -n "${overruns_sampler:-}" ]; then kill "$overruns_sampler" 2>/dev/null || true; fi
	for name in src dst; do
		if [ -n "${pid[$name]:-}" ]; then kill "${pid[$name]}" 2>/dev/null || true; fi
		if [ -f "$work/$name.console" ]; then cp "$work/$name.console" "$SVQ_OUT/l2-$name.console"; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "FAIL: demo-guest.sh line $LINENO: \"$BASH_COMMAND\" exited with status $?"' ERR

fail()
{
	local name
	echo "FAIL: $*"
	for name in src dst; do
		[ -f "$work/$name.console" ] || continue
		echo "--- last lines of the $name guest's console:"
		tail -n 25 "$work/$name.console" | tr -d '\r' | sed 's/^/    /'
	done
	exit 1
}

qmp() { python3 "$qmp_py" "$work/$1.qmp" "${@:2}"; }

# json_get JSON KEY...: print the value at that path ("-" if absent)
json_get()
{
	python3 -c 'import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    v = v.get(k, {}) if isinstance(v, dict) else {}
print("-" if v == {} else v)' "$@"
}

# field NAME LINE: the value of NAME=value in LINE
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# last_line NAME REGEX: the guest console's last line matching REGEX
last_line() { grep -a "$2" "$work/$1.console" 2>/dev/null | tail -n 1 | tr -d '\r' || true; }

# wait_line NAME REGEX SECS: wait for a console line matching REGEX
wait_line()
{
	local _
	for _ in $(seq "$(($3 * 2))"); do
		[ -n "$(last_line "$1" "$2")" ] && return 0
		kill -0 "${pid[$1]}" 2>/dev/null || fail "the $1 QEMU exited while waiting for '$2'"
		sleep 0.5
	done
	fail "no '$2' on the $1 guest's console after $3 s"
}

# wait_traffic NAME SECS TIMEOUT: wait until frame_loop has run SECS seconds
wait_traffic()
{
	local _ t
	for _ in $(seq "$(($3 * 2))"); do
		t=$(field t "$(last_line "$1" 'frame_loop: progress')")
		[ -n "$t" ] && [ "${t%.*}" -ge "$2" ] && return 0
		sleep 0.5
	done
	fail "frame_loop on the $1 guest did not reach t=$2 s within $3 s"
}

# start_l2 NAME VHOST_NODE [QEMU_ARGS...]: the same machine for both sides
start_l2()
{
	local name=$1 node=$2 trace=()
	shift 2
	# QEMU >= 8: the ring bases it sets, "svq: 1" with its shadow virtqueue
	[ "$qemu_svq" = 1 ] &&
		trace=(-trace "vhost_vdpa_set_dev_vring_base,file=$work/$name.trace")
	mkfifo "$work/$name.ctl.in" "$work/$name.ctl.out"
	# no_timer_check: the IO-APIC timer check counts ticks over a delay
	# loop; a nested TCG guest on a loaded host missed them and panicked
	# ("IO-APIC + timer doesn't work!", 2 of 3 boots with a second VM busy)
	"${qemu[@]}" -accel tcg -m 128 -smp 1 -nodefaults -display none -no-reboot \
		-kernel "$bzimage" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=4 ipv6.disable=1 no_timer_check frame_loop=-a,$min_after,-w,$window" \
		-serial file:"$work/$name.console" -serial pipe:"$work/$name.ctl" \
		-netdev vhost-vdpa,vhostdev="$node",id=n0 \
		-device virtio-net-pci,netdev=n0,romfile=,disable-legacy=on,mac=52:54:00:00:00:02 \
		-qmp unix:"$work/$name.qmp",server=on,wait=off \
		-daemonize -pidfile "$work/$name.pid" "${trace[@]}" "$@" || fail "the $name QEMU did not start"
	pid[$name]=$(cat "$work/$name.pid")
}

# wait_exit NAME: give a QEMU 30 s to exit
wait_exit()
{
	local _
	for _ in $(seq 60); do
		kill -0 "${pid[$1]}" 2>/dev/null || return 0
		sleep 0.5
	done
	fail "the $1 QEMU did not exit"
}

counters() # DEV: one line of the upper device's sysfs
{
	local d=$sys/$1
	[ "$plain" = 1 ] && { echo "no upper device (plain vhost-vdpa on the simulated NIC)"; return; }
	echo "$1: mode $(cat "$d/mode"), state $(cat "$d/state")," \
	     "switches $(cat "$d/stats/switches"), pages_logged $(cat "$d/stats/pages_logged")," \
	     "relayed_descs $(cat "$d/stats/relayed_descs"), errors $(cat "$d/stats/errors")"
}

say "Loading vdpa_sim (PA mode), vdpa_sim_net, vhost_vdpa, vhost_vdpa_svq; two shadow devices on two simulated NICs"
svq_load_stack || fail "loading the modules failed"
# vp_vdpa: the lower devices are the two NICs behind the emulated IOMMU;
# they cannot suspend, so auto mode shadows them from device start
vp_vdpa=0
if [ "${SVQ_DEMO_PARENT:-}" = vp_vdpa ]; then
	vp_vdpa=1
	SVQ_LOWER_MGMTDEVS=$(svq_vp_vdpa_bind | tr '\n' ' ') || fail "binding the NICs to vp_vdpa failed"
	export SVQ_LOWER_MGMTDEVS
	echo "    lower devices from vp_vdpa: $SVQ_LOWER_MGMTDEVS"
fi
[ "${SVQ_DEMO_QEMU:-}" = 10.1 ] && { svq_sim_no_indirect || fail "reloading vdpa_sim_net failed"; }
plain=0
if [ "${SVQ_DEMO_STACK:-}" = plain ]; then
	[ "$qemu_svq" = 1 ] && [ "$vp_vdpa" = 0 ] ||
		fail "SVQ_DEMO_STACK=plain needs SVQ_DEMO_QEMU=10.1 and vdpa_sim_net (QEMU 7.2 cannot migrate plain vhost-vdpa)"
	plain=1
	# the devices the guests use are the simulated NICs themselves
	for d in dlower0 dlower1; do
		vdpa dev add name "$d" mgmtdev vdpasim_net || fail "creating $d failed"
		svq_bind "$d" vhost_vdpa || fail "binding $d to vhost_vdpa failed"
	done
	src_dev=dlower0 dst_dev=dlower1
else
	svq_stack dlower0 dsvq0 || fail "creating dlower0 and dsvq0 failed"
	svq_stack dlower1 dsvq1 || fail "creating dlower1 and dsvq1 failed"
	src_dev=dsvq0 dst_dev=dsvq1
fi
vdpa dev show | sed 's/^/    /'
src_node=$(svq_vhost_dev $src_dev) || fail "no vhost-vdpa node for $src_dev"
dst_node=$(svq_vhost_dev $dst_dev) || fail "no vhost-vdpa node for $dst_dev"
echo "    source device $src_dev ($src_node), destination device $dst_dev ($dst_node)"
# vdpa_sim_net drops a frame that finds its receive ring empty and counts
# it (its vendor statistics' "rx overruns", which the vdpa core gives only
# while the device has its features): read every second, the last reading
# of each lower device kept
overruns_sampler=
if [ "$vp_vdpa" = 0 ]; then
	while :; do
		for d in dlower0 dlower1; do
			v=$(vdpa dev vstats show "$d" qidx 0 2>/dev/null | tr '\n' ' ' |
			    sed -n 's/.* rx overruns \([0-9]*\).*/\1/p' || true)
			if [ -n "$v" ]; then echo "$v" > "$work/$d.overruns"; fi
		done
		sleep 1
	done &
	overruns_sampler=$!
fi

say "Booting the L2 guest on the source: QEMU $qemu_version, TCG, 128 MiB, -netdev vhost-vdpa,vhostdev=$src_node"
ulimit -l unlimited
t0=$(date +%s)
start_l2 src "$src_node"
wait_line src 'frame_loop: eth0' 400
echo "    booted in $(($(date +%s) - t0)) s:"
grep -a '^l2: \|frame_loop: eth0' "$work/src.console" | tr -d '\r' | sed 's/^/    /'
wait_traffic src "$before" 300
echo "    $(last_line src 'frame_loop: progress')"
echo "    $(counters dsvq0)"

say "Starting the destination QEMU (-incoming) on $dst_dev and migrating mid-traffic (QMP migrate, QEMU's default parameters)"
start_l2 dst "$dst_node" -incoming unix:"$work/mig.sock"
for _ in $(seq 60); do [ -S "$work/dst.qmp" ] && break; sleep 0.5; done
# dsvq0's state, as often as the VM manages (every 50 ms at most)
while [ "$plain" = 0 ]; do cat $sys/dsvq0/state; sleep 0.05; done > "$work/states" &
sampler=$!
qmp src migrate "{\"uri\": \"unix:$work/mig.sock\"}" > /dev/null
for _ in $(seq 600); do
	mig=$(qmp src query-migrate)
	status=$(json_get "$mig" return status)
	case "$status" in
	completed) break ;;
	failed|cancelled) fail "migration $status: $mig" ;;
	esac
	sleep 0.5
done
kill "$sampler" 2>/dev/null || true	# plain: it has ended
sampler=
[ "$status" = completed ] || fail "migration still $status after 300 s"
# QEMU 7.2 can report "completed" before it has filled in the times (seen:
# total-time 0, downtime 0): ask again
for _ in $(seq 20); do
	[ "$(json_get "$mig" return total-time)" != 0 ] && break
	sleep 0.5
	mig=$(qmp src query-migrate)
done
echo "    status completed; dsvq0's state, sampled while the migration ran (QEMU stops the" \
     "device at the switch-over): $(uniq -c "$work/states" |
	awk '{ printf "%s%s x%s", (NR > 1 ? " -> " : ""), $2, $1 } END { if (!NR) printf "none" }')"
echo "    destination: $(json_get "$(qmp dst query-status)" return status)"
echo "    $(counters dsvq0)"
src_last=$(last_line src 'frame_loop: progress')
echo "    last report from the source guest: ${src_last#frame_loop: }"

say "Traffic continues on the destination; telling the guest (serial port 2) to mark the migration"
echo mark > "$work/dst.ctl.in"
wait_line dst 'frame_loop: mark' 120
mark=$(last_line dst 'frame_loop: mark')
echo "    ${mark#frame_loop: }"
mark_t=$(field t "$mark")
wait_traffic dst "$((${mark_t%.*} + after))" 300
echo "    $(last_line dst 'frame_loop: progress')"
echo stop > "$work/dst.ctl.in"
wait_line dst 'l2: frame_loop exit status' 120
wait_exit dst
grep -a 'frame_loop: ERROR\|frame_loop: result\|^l2: eth0:' "$work/dst.console" | tr -d '\r' | sed 's/^/    /'
result=$(last_line dst 'frame_loop: result')
[ -n "$result" ] || fail "frame_loop printed no result"
qmp src quit > /dev/null 2>&1 || true
wait_exit src

say "Report"
if grep -aq 'frame_loop: ERROR' "$work/src.console"; then
	echo "    errors the guest saw on the source:"
	grep -a 'frame_loop: ERROR' "$work/src.console" | tr -d '\r' | sed 's/^/    /'
fi
echo "    $(counters dsvq0)"
echo "    $(counters dsvq1)"
overruns=0
if [ -n "$overruns_sampler" ]; then
	kill "$overruns_sampler"
	overruns_sampler=
	overruns=$(($(cat "$work/dlower0.overruns" 2>/dev/null || echo 0) +
		     $(cat "$work/dlower1.overruns" 2>/dev/null || echo 0)))
	echo "    frames the simulated NICs dropped, receive ring empty (rx overruns, last read while" \
	     "they ran): dlower0 $(cat "$work/dlower0.overruns" 2>/dev/null || echo '?')," \
	     "dlower1 $(cat "$work/dlower1.overruns" 2>/dev/null || echo '?')"
fi
printf '    migration: total %s ms, downtime %s ms, setup %s ms, RAM %s of %s bytes sent in %s dirty syncs\n' \
	"$(json_get "$mig" return total-time)" "$(json_get "$mig" return downtime)" \
	"$(json_get "$mig" return setup-time)" "$(json_get "$mig" return ram transferred)" \
	"$(json_get "$mig" return ram total)" "$(json_get "$mig" return ram dirty-sync-count)"
src_verified=$(field verified "$src_last")
echo "    frames verified by the guest on the source up to its last report there: $src_verified"
echo "    frames verified by the guest after that (switch-over, then the destination): $(($(field verified "$result") - src_verified))," \
     "$(field after_mark "$result") of them after the mark"
echo "    frames sent $(field sent "$result"), verified $(field verified "$result"):" \
     "lost $(field lost "$result"), late $(field late "$result"), corrupt $(field corrupt "$result")"
switches=0 logged=0 mode=auto relayed=0
if [ "$plain" = 0 ]; then
	switches=$(cat $sys/dsvq0/stats/switches)
	logged=$(cat $sys/dsvq0/stats/pages_logged)
	mode=$(cat $sys/dsvq0/mode)
	relayed=$(cat $sys/dsvq0/stats/relayed_descs)
fi
# ring bases QEMU set for its own shadow virtqueue on the source
shadowed=$(grep -c 'vhost_vdpa_set_dev_vring_base.* svq: 1' "$work/src.trace" 2>/dev/null || true)
[ "$qemu_svq" = 1 ] &&
	echo "    QEMU $qemu_version set ${shadowed:-0} ring bases on the source for its own shadow virtqueue (svq: 1)"
svq_unload_stack || fail "the stack did not unload cleanly"
# vp_vdpa: each NIC loops its frames back through a host socket of its
# own (vm-run.sh --iommu), so a frame the source NIC sent that had not come
# back when the source QEMU stopped that NIC stays in its socket, and the
# destination's NIC, on the other socket, never sees it: a frame lost on
# the wire, as frames in flight to a migrating guest are on a real
# network, not by the device path. The NICs' captures (demo.sh runs
# vm-run.sh --pcap) tell such frames from any other loss.
# Both attributions below apply only when frames were lost and nothing
# else went wrong.
only_lost=0
if [ "${result##* }" != PASS ] && [ "$(field lost "$result")" -gt 0 ] &&
   [ "$(field late "$result")" = 0 ] && [ "$(field corrupt "$result")" = 0 ]; then
	only_lost=1
fi
on_wire=0
if [ "$vp_vdpa" = 1 ] && [ "$only_lost" = 1 ]; then
	say "Where the lost frames were last seen (the host QEMU's captures of both NICs)"
	run=$(grep -a -o 'frame_loop: eth0, .* run [0-9a-f]*' "$work/src.console" | tail -n 1 || true)
	# the errors the guest's run printed, on either side (on the source,
	# after its start line: the checker's self-tests come before): "lost
	# frames A..B", "stall: N frames in flight (A..B) ..."
	mapfile -t seqs < <({ awk '/frame_loop: eth0, / { out = "" } { out = out $0 "\n" }
				 END { printf "%s", out }' "$work/src.console"; cat "$work/dst.console"; } |
		tr -d '\r' |
		sed -n 's/.*frame_loop: ERROR .*\(lost frames \|in flight (\)\([0-9]*\)\.\.\([0-9]*\).*/\2 \3/p' |
		while read -r a b; do if [ $((b - a)) -lt 1000 ]; then seq "$a" "$b"; fi; done |
		sort -un)
	if [ -n "$run" ] && [ "${#seqs[@]}" = "$(field lost "$result")" ] &&
	   "$PWD/tools/testing/svq/pcap-frames.py" "$SVQ_OUT" "0x${run##* }" "${seqs[@]}" | sed 's/^/    /'; then
		on_wire=$(field lost "$result")
	else
		echo "    not every lost frame was left on the wire (or the captures are missing)"
	fi
fi
# QEMU >= 8 drives the device through its own shadow virtqueues from
# migration setup to the switch-over; they pass receive buffers and
# transmits in its main loop, in whatever order its handlers run, and
# vdpa_sim_net drops a frame that finds its receive ring empty (rx
# overruns). Such a loss is QEMU's, not the upper device's, if that
# stayed out of the data path (passthrough: nothing relayed); the same is
# seen with no upper device at all (SVQ_DEMO_STACK=plain).
dropped=0 path=", not of the upper device, which relayed nothing"
[ "$plain" = 1 ] && path=", with no upper device"
if [ "$qemu_svq" = 1 ] && [ "$only_lost" = 1 ] && [ "$relayed" = 0 ] &&
   [ "$(field lost "$result")" = "$overruns" ]; then
	dropped=$overruns
fi
if [ "$on_wire" = 0 ] && [ "$dropped" = 0 ]; then
	[ "${result##* }" = PASS ] || fail "the guest's frame check: ${result:-no result}"
else
	[ "$(field after_mark "$result")" -ge "$min_after" ] ||
		fail "the destination verified only $(field after_mark "$result") frames after the mark"
fi
if [ "$plain" = 1 ]; then
	[ "${shadowed:-0}" -ge 1 ] || fail "QEMU $qemu_version did not shadow the device while migrating"
	why="QEMU $qemu_version (>= 8) shadowed plain vhost-vdpa itself at migration setup (no upper device)"
elif [ "$qemu_svq" = 1 ]; then
	[ "${shadowed:-0}" -ge 1 ] || fail "QEMU $qemu_version did not shadow the device while migrating"
	[ "$mode" = auto ] || fail "dsvq0 is in mode $mode, not auto"
	[ "$switches" = 0 ] || fail "dsvq0 switched to shadow mode under QEMU $qemu_version, which shadows it itself"
	[ "$logged" = 0 ] || fail "dsvq0 logged pages under QEMU $qemu_version"
	if grep -q shadow "$work/states"; then
		fail "dsvq0 was seen in shadow mode while QEMU $qemu_version migrated"
	fi
	why="QEMU $qemu_version (>= 8) shadowed dsvq0 itself at migration setup, and dsvq0 (mode auto)"
	why+=" stayed in passthrough under it, as it should: QEMU never turned the kernel's dirty log on,"
	why+=" so no switch and no page logged"
elif [ "$vp_vdpa" = 1 ]; then
	# vp_vdpa cannot suspend: shadowed from device start, never switched
	[ "$switches" = 0 ] || fail "dsvq0 switched on vp_vdpa, which it shadows from device start"
	[ "$logged" -gt 0 ] || fail "dsvq0 logged no page"
	# in shadow state until QEMU stopped it at the switch-over; a stopped
	# device's state reads passthrough
	states=$(uniq "$work/states" | tr '\n' ' ')
	case "$states" in
	"shadow "|"shadow passthrough ") ;;
	*) fail "dsvq0's states while QEMU migrated: $states(shadow until QEMU stopped it expected)" ;;
	esac
	why="QEMU $qemu_version (< 8) turned dirty logging on; dsvq0, shadowing its vp_vdpa lower device"
	why+=" from device start (it cannot suspend), logged $logged pages"
else
	[ "$switches" -ge 1 ] || fail "dsvq0 never switched to shadow mode"
	[ "$logged" -gt 0 ] || fail "dsvq0 logged no page"
	why="QEMU $qemu_version (< 8) turned dirty logging on and dsvq0 switched to shadow mode and logged"
	why+=" $logged pages"
fi
echo
if [ "$dropped" != 0 ]; then
	echo "PASS: the L2 guest verified every frame but $dropped across the live migration," \
	     "$(field after_mark "$result") of them after it, none late or corrupt; the simulated NIC" \
	     "dropped $dropped frame(s) for an empty receive ring (rx overruns) while QEMU $qemu_version" \
	     "drove it through its own shadow virtqueue: QEMU's loss$path; $why"
	exit 0
fi
if [ "$on_wire" != 0 ]; then
	echo "PASS: the L2 guest verified every frame the device path carried across the live migration," \
	     "$(field after_mark "$result") of them after it, none late or corrupt; $on_wire frame(s) the" \
	     "source NIC sent were still in its socket when the source QEMU stopped it (lost on the wire," \
	     "never seen by the destination's NIC); $why"
	exit 0
fi
echo "PASS: the L2 guest verified every frame (none lost, late or corrupt) across the live migration," \
     "$(field after_mark "$result") of them after it; $why"
