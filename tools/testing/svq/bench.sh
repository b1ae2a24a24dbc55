#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: first, without the VM,
#   1. bench-native/: the relay core and the kernel's vringh.c built -O2
#      for this CPU, on the same synthetic rings: ns and frames/s per core,
#      ours / vringh, next to what 10, 25 and 100 Gbit/s links need
#      (about 30 s; raw numbers in build/bench/native/);
# then build, boot the test VM once, run the benchmarks there:
#   2. the mini-VMM (vhost_vdpa_svq_bench): frames/s passthrough vs shadow
#      vs shadow with logging, and the switch pause;
#   3. bench-migration.sh: live migration of the qtest-driven guest, our
#      shadow device under Debian's QEMU 7.2 vs plain vhost-vdpa under
#      QEMU 10.1, which shadows it itself (the reference; frames/s, total
#      time, downtime, frames verified and lost). QEMU 10.1 is built
#      once into the cache next to the kernels (qemu/build-qemu101.sh,
#      about 20 min with one job); without it the section runs ours alone
#      and says why.
# The report goes to stdout and build/bench/bench-STAMP.txt, the raw
# output of the migration runs to build/bench/STAMP/migration/.
#
# Environment: SVQ_BENCH_NATIVE=0 skips the native section,
# SVQ_BENCH_NATIVE_RUNS, SVQ_BENCH_NATIVE_MS (runs per row and ms per
# run: 5, 100); SVQ_BENCH_FRAMES, SVQ_BENCH_ROUNDS (mini-VMM: 20000, 5),
# SVQ_BENCH_MIG_ROUNDS, SVQ_BENCH_MIG_FRAMES (migration: 3, 300; 0 rounds
# skips it), SVQ_BENCH_XSVQ=1 adds QEMU 7.2's x-svq=on as a third
# configuration.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
"$here/deps.sh"
mkdir -p "$repo/build/bench"
stamp=$(date +%Y%m%d-%H%M%S)
out=$repo/build/bench/bench-$stamp.txt
: > "$out"
if [ "${SVQ_BENCH_NATIVE:-1}" != 0 ]; then
	make -s -C "$here/bench-native" run RUNS="${SVQ_BENCH_NATIVE_RUNS:-5}" \
		MS="${SVQ_BENCH_NATIVE_MS:-100}" | tee -a "$out"
	echo | tee -a "$out"
fi
kdir=$("$here/kernel.sh" | tail -n 1)
make -s -C "$kdir" M="$repo" modules
make -s -C "$repo/tools/testing/selftests/vhost_vdpa_svq" KDIR="$kdir"
make -s -C "$here/qemu"
mig_rounds=${SVQ_BENCH_MIG_ROUNDS:-3}
if [ "$mig_rounds" -gt 0 ]; then
	nice -n 10 "$here/qemu/build-qemu101.sh" > /dev/null ||
		echo "bench.sh: no QEMU 10.1 (above); the migration section runs without its reference" >&2
fi
start=$(date +%s)
"$here/vm-run.sh" --kernel "$kdir" --timeout 3000 --out "$repo/build/bench/$stamp" \
	--module "$repo/drivers/vdpa/svq/vhost_vdpa_svq.ko" -- \
	bash -c ". tools/testing/svq/lib.sh && export SVQ_REPO=\$PWD && svq_load_stack &&
		 tools/testing/selftests/vhost_vdpa_svq/vhost_vdpa_svq_bench ${SVQ_BENCH_FRAMES:-20000} ${SVQ_BENCH_ROUNDS:-5} &&
		 if [ $mig_rounds -gt 0 ]; then SVQ_BENCH_XSVQ=${SVQ_BENCH_XSVQ:-0} \
			tools/testing/svq/bench-migration.sh $mig_rounds ${SVQ_BENCH_MIG_FRAMES:-300}; fi" |
	tee -a "$out"
echo "bench took $(($(date +%s) - start)) s in the VM; report kept in ${out#"$repo"/}," \
     "raw migration runs in build/bench/$stamp/migration/"
