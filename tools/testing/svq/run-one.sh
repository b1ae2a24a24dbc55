#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a few tests in the VM, quickly: load the module stack, run each
# program or scenario given (selftest binaries, scenario scripts, with
# their arguments as one word each: "prog -t test"), then print the
# kernel log. From the repository root on the host:
#
#   tools/testing/svq/vm-run.sh --module drivers/vdpa/svq/vhost_vdpa_svq.ko -- \
#	tools/testing/svq/run-one.sh \
#	tools/testing/selftests/vhost_vdpa_svq/vhost_vdpa_svq_bounds_test
#
# Exits 0 if every one did. SVQ_DMESG_LINES (default 100): how much of the
# kernel log's end to print.
set -u
export SVQ_REPO=$PWD
# shellcheck source=lib.sh
. "$SVQ_REPO/tools/testing/svq/lib.sh"

svq_load_stack || { echo "run-one: module stack failed to load"; dmesg; exit 1; }
rc=0
for t in "$@"; do
	echo "# run-one: $t"
	# shellcheck disable=SC2086
	timeout 600 $t
	case $? in
	0) ;;
	4) echo "# run-one: $t skipped" ;;	# a scenario's skip
	*) echo "# run-one: $t failed"; rc=1 ;;
	esac
	svq_reset_stack > /dev/null 2>&1
done
echo "# run-one: kernel log"
dmesg | tail -n "${SVQ_DMESG_LINES:-100}"
exit "$rc"
