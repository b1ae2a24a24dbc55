#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where the cycles of shadow mode go, per frame, against the
# budget the throughput targets leave (not a test).
#
# Builds a measurement copy of the module in build/profile/ (the sources
# plus relay-tsc.patch: TSC sums around each part of a relay pass, read
# from the module parameter relay_cycles; the tree's module is never
# instrumented), boots the test VM once and runs the mini-VMM benchmark
# there (vhost_vdpa_svq_bench) for passthrough and shadow, alternating, in
# both workloads; then profile-report.py prints cycles per frame of each
# part and what a ratio of 0.95 (or 0.90) to passthrough allows.
#
# Environment: SVQ_PROFILE_FRAMES (20000), SVQ_PROFILE_ROUNDS (3).
#
# make check fails when the patch no longer applies; to refresh it, apply
# it to the tree with patch -p1 (fix the rejects), then
#   git add -N drivers/vdpa/svq/svq_prof.h &&
#   git diff drivers/ > tools/testing/svq/profile/relay-tsc.patch
# and take the instrumentation out of the tree again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
svq=$(cd "$here/.." && pwd)
repo=$(cd "$svq/../../.." && pwd)
"$svq/deps.sh"
kdir=$("$svq/kernel.sh" | tail -n 1)
src=$repo/build/profile/src
"$here/build.sh" "$src" "$kdir"
make -s -C "$repo/tools/testing/selftests/vhost_vdpa_svq" KDIR="$kdir"
stamp=$(date +%Y%m%d-%H%M%S)
raw=$repo/build/profile/profile-$stamp.raw
"$svq/vm-run.sh" --kernel "$kdir" --timeout 1800 \
	--module "$src/drivers/vdpa/svq/vhost_vdpa_svq.ko" -- \
	bash "$here/profile-vm.sh" "${SVQ_PROFILE_FRAMES:-20000}" "${SVQ_PROFILE_ROUNDS:-3}" |
	tee "$raw"
"$here/profile-report.py" "$raw" | tee "${raw%.raw}.txt"
echo "raw counters kept in ${raw#"$repo"/}, the report in ${raw#"$repo"/}" | sed 's/\.raw$/.txt/'
