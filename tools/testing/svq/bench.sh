#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: build, boot the test VM once, run the benchmark there. The
# report and its raw numbers go to stdout and build/bench/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
"$here/deps.sh"
kdir=$("$here/kernel.sh" | tail -n 1)
make -s -C "$kdir" M="$repo" modules
make -s -C "$repo/tools/testing/selftests/vhost_vdpa_svq" KDIR="$kdir"
mkdir -p "$repo/build/bench"
out=$repo/build/bench/bench-$(date +%Y%m%d-%H%M%S).txt
"$here/vm-run.sh" --kernel "$kdir" --timeout 3000 \
	--module "$repo/drivers/vdpa/svq/vhost_vdpa_svq.ko" -- \
	bash -c ". tools/testing/svq/lib.sh && export SVQ_REPO=\$PWD && svq_load_stack &&
		 tools/testing/selftests/vhost_vdpa_svq/vhost_vdpa_svq_bench ${SVQ_BENCH_FRAMES:-20000} ${SVQ_BENCH_ROUNDS:-5}" |
	tee "$out"
echo "raw numbers kept in ${out#"$repo"/}"
