#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian 12's stock 6.1 kernel in the test VM and show that the vDPA
# stack built by stock-kernel.sh works on it: vdpa_sim_net through the
# (unpatched, out-of-tree) vhost_vdpa, with stock_traffic_test, the
# passthrough-only variants of vhost_vdpa_traffic_test.
#
# Usage: stock/smoke.sh [vm-run.sh options]   (e.g. --module X.ko)
# Builds what it needs (stock-kernel.sh, the test program into
# build/stock/), prints the guest's output and exits with its status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
svq=$(cd "$here/.." && pwd)
repo=$(cd "$svq/../../.." && pwd)

sdir=$("$svq/stock-kernel.sh" | tail -n 1)
out=$repo/build/stock
mkdir -p "$out"
# 6.1's uapi headers (Debian's linux-libc-dev) and kselftest harness
gcc -O2 -g -Wall -Werror -pthread -I"$sdir/selftests" \
	-I"$repo/tools/testing/selftests/vhost_vdpa_svq" \
	-o "$out/stock_traffic_test" "$here/stock_traffic_test.c" \
	"$repo/tools/testing/selftests/vhost_vdpa_svq/vmm.c"
start=$(date +%s)
rc=0
"$svq/vm-run.sh" --stock 6.1 --timeout 600 --out "$out/vm" "$@" \
	-- "$here/smoke-vm.sh" "$out/stock_traffic_test" || rc=$?
echo "stock/smoke.sh: VM run took $(( $(date +%s) - start ))s, rc $rc" >&2
exit "$rc"
