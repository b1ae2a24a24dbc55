#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test runner inside the VM (started by check.sh through vm-run.sh,
# from the repository root). Loads the modules, runs the KUnit suites, the
# kselftest-style programs and the end-to-end scenarios, and leaves their
# raw output (KTAP, TAP, logs) in $SVQ_OUT for check.sh to count.
#
# Every scenario prints one TAP line here; a scenario that fails prints
# its log.
#
# Usage: run-tests.sh [--no-kunit] [--scenarios GLOB] [--skip NAME]...
#   --no-kunit        skip the KUnit suites (Debian's stock kernel: the
#                     DKMS build has no test module)
#   --scenarios GLOB  only the scenarios whose name matches GLOB
#   --skip NAME       not the selftest or scenario NAME (repeatable)
# On Debian's stock kernel (vm-run.sh --stock), $SVQ_OUT/stock.txt also
# names the kernel and the file each module of the stack came from, with
# its SHA-256.
set -u
kunit=1 scenarios='*' skip=' '
while [ $# -gt 0 ]; do
	case "$1" in
	--no-kunit) kunit=0; shift ;;
	--scenarios) scenarios=$2; shift 2 ;;
	--skip) skip+="$2 "; shift 2 ;;
	*) echo "run-tests.sh: unknown argument $1"; exit 2 ;;
	esac
done
repo=$PWD
out=${SVQ_OUT:?}
mkdir -p "$out/kunit" "$out/selftests" "$out/scenarios"
export SVQ_REPO=$repo

# shellcheck source=lib.sh
. "$repo/tools/testing/svq/lib.sh"

svq_load_stack || { echo "not ok - module stack failed to load"; dmesg > "$out/dmesg.txt"; exit 1; }
if [ -n "${SVQ_STOCK:-}" ]; then
	{
		echo "uname -r $(uname -r)"
		echo "uname -v $(uname -v)"
		for m in vdpa vhost_iotlb vhost vhost_vdpa vringh vdpa_sim vdpa_sim_net vhost_vdpa_svq; do
			f=$(modinfo -n "$m" | tr -s /)
			echo "module $m $f srcversion $(cat "/sys/module/$m/srcversion" 2>/dev/null || echo -)" \
			     "sha256 $(sha256sum < "$f" | cut -d ' ' -f 1)"
		done
		echo "tainted $(cat /proc/sys/kernel/tainted)"
	} > "$out/stock.txt" 2>&1
fi

# Debug kernel: the irqsoff tracer measures the longest section with
# interrupts off. It starts once the stack is loaded (boot is not ours)
# and is read and reset after each test, so that $out/irqsoff/NAME.txt
# holds that test's longest section ("latency: N us", where it started
# and ended, the stack) for check.sh's 5 ms bound.
tracing=/sys/kernel/tracing
irqsoff=0
if [ -w "$tracing/tracing_max_latency" ] &&
   grep -qw irqsoff "$tracing/available_tracers" 2>/dev/null &&
   echo irqsoff > "$tracing/current_tracer"; then
	irqsoff=1
	mkdir -p "$out/irqsoff"
	echo 0 > "$tracing/tracing_max_latency"
	echo 1 > "$tracing/tracing_on"
	# the debug kernel: the bounds test's limit on one kick's pass
	export SVQ_KICK_MAX_MS=20
fi
# irqsoff_save NAME: keep the longest section since the last call
irqsoff_save()
{
	[ "$irqsoff" = 1 ] || return 0
	echo "$1 $(cat "$tracing/tracing_max_latency")" >> "$out/irqsoff/max-us"
	cat "$tracing/trace" > "$out/irqsoff/$1.txt"
	echo 0 > "$tracing/tracing_max_latency"
}

# KUnit: loading the test module runs its suites; results are in debugfs.
if [ "$kunit" = 0 ]; then
	:
elif modprobe vhost_vdpa_svq_test; then
	for d in /sys/kernel/debug/kunit/vhost_vdpa_svq*; do
		[ -r "$d/results" ] && cp "$d/results" "$out/kunit/$(basename "$d").ktap"
	done
	rmmod vhost_vdpa_svq_test
else
	echo "not ok - vhost_vdpa_svq_test did not load"
fi
irqsoff_save kunit

# kselftest-style programs, each against the devices it documents.
for t in "$repo"/tools/testing/selftests/vhost_vdpa_svq/*_test; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[[ $skip == *" $name "* ]] && continue
	# SIGKILL to the whole group: a harness child that outlived a SIGTERM
	# kept /dev/vhost-vdpa open, and vdpa dev del waited on it for ever
	timeout -s KILL 600 "$t" > "$out/selftests/$name.tap" 2>&1
	echo "$name: exit $?" >> "$out/selftests/exit-codes"
	irqsoff_save "selftest-$name"
done

# End-to-end scenarios: shell scripts that exit 0 on success, 4 (with
# "SKIP: reason" last) when what they need is not there.
for s in "$repo"/tools/testing/svq/scenarios/*.sh; do
	[ -x "$s" ] || continue
	name=$(basename "$s" .sh)
	# shellcheck disable=SC2053 # a glob
	[[ $name == $scenarios ]] || continue
	[[ $skip == *" $name "* ]] && continue
	svq_reset_stack >> "$out/scenarios/reset.log" 2>&1
	timeout 600 "$s" > "$out/scenarios/$name.log" 2>&1
	case $? in
	0) echo "ok - scenario $name" ;;
	# 4: kselftest's skip; the scenario's last line says why
	4) echo "ok - scenario $name # SKIP $(tail -n 1 "$out/scenarios/$name.log" | sed 's/^SKIP: //')" ;;
	*) echo "not ok - scenario $name" ;;
	esac >> "$out/scenarios/results.tap"
	irqsoff_save "scenario-$name"
done

svq_unload_stack > "$out/unload.log" 2>&1 && echo unloaded >> "$out/unload.log"
irqsoff_save unload
[ "$irqsoff" = 1 ] && echo nop > "$tracing/current_tracer"

# Debug kernel: ask kmemleak for what the tests leaked (it reports in dmesg).
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > "$out/kmemleak.txt"
	[ -s "$out/kmemleak.txt" ] && echo "kmemleak: leaks reported, see kmemleak.txt" > /dev/kmsg
fi
dmesg > "$out/dmesg.txt"
exit 0
