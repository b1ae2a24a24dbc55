#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM, for profile.sh: FRAMES ROUNDS. For each workload and
# round, passthrough and shadow in alternating order, one benchmark run
# each; prints a line per run: "run WORKLOAD CONFIG FRAMES FPS COUNTERS".
set -euo pipefail
frames=$1 rounds=$2
. tools/testing/svq/lib.sh
export SVQ_REPO=$PWD
svq_load_stack
bench=tools/testing/selftests/vhost_vdpa_svq/vhost_vdpa_svq_bench
counters=/sys/module/vhost_vdpa_svq/parameters/relay_cycles
zero=$(sed 's/[0-9]\+/0/g' "$counters")
echo "tsc_khz $(awk '/^cpu MHz/ { printf "%d\n", $4 * 1000; exit }' /proc/cpuinfo)"
echo "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
for workload in ping-pong stream; do
	for round in $(seq "$rounds"); do
		order="passthrough shadow"
		[ $((round % 2)) -eq 0 ] && order="shadow passthrough"
		for config in $order; do
			echo "$zero" > "$counters"
			fps=$("$bench" "$frames" 1 "$config" "$workload" | awk '/^median/ { print $4 }')
			# the benchmark warms up with 256 frames before each run
			echo "run $workload $config $((frames + 256)) $fps $(cat "$counters")"
		done
	done
done
