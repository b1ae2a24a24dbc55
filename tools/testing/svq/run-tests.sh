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
set -u
repo=$PWD
out=${SVQ_OUT:?}
mkdir -p "$out/kunit" "$out/selftests" "$out/scenarios"
export SVQ_REPO=$repo

# shellcheck source=lib.sh
. "$repo/tools/testing/svq/lib.sh"

svq_load_stack || { echo "not ok - module stack failed to load"; dmesg > "$out/dmesg.txt"; exit 1; }

# KUnit: loading the test module runs its suites; results are in debugfs.
if modprobe vhost_vdpa_svq_test; then
	for d in /sys/kernel/debug/kunit/vhost_vdpa_svq*; do
		[ -r "$d/results" ] && cp "$d/results" "$out/kunit/$(basename "$d").ktap"
	done
	rmmod vhost_vdpa_svq_test
else
	echo "not ok - vhost_vdpa_svq_test did not load"
fi

# kselftest-style programs, each against the devices it documents.
for t in "$repo"/tools/testing/selftests/vhost_vdpa_svq/*_test; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	timeout 300 "$t" > "$out/selftests/$name.tap" 2>&1
	echo "$name: exit $?" >> "$out/selftests/exit-codes"
done

# End-to-end scenarios: shell scripts that exit 0 on success.
for s in "$repo"/tools/testing/svq/scenarios/*.sh; do
	[ -x "$s" ] || continue
	name=$(basename "$s" .sh)
	svq_reset_stack >> "$out/scenarios/reset.log" 2>&1
	if timeout 600 "$s" > "$out/scenarios/$name.log" 2>&1; then
		echo "ok - scenario $name" >> "$out/scenarios/results.tap"
	else
		echo "not ok - scenario $name" >> "$out/scenarios/results.tap"
	fi
done

svq_unload_stack > "$out/unload.log" 2>&1 && echo unloaded >> "$out/unload.log"

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
