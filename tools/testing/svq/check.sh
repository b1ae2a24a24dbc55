#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every gate and every test, one summary line at the end.
#
# Usage: check.sh [--debug]
#   --debug   use the debug kernel (KASAN, lockdep, kmemleak, ...)
#
# Gates (checkpatch, W=1 + sparse build, coccicheck, selftest build) and
# in-VM results (KUnit cases, selftest cases, scenarios, a clean dmesg, a
# clean unload) each count as tests. Raw output is kept in build/check/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
kflag=
if [ "${1:-}" = --debug ]; then
	kflag=--debug
	# KASAN and lockdep slow the VM down: a shorter soak
	export SVQ_SOAK_FRAMES=${SVQ_SOAK_FRAMES:-100000}
	export SVQ_TRAFFIC_FRAMES=${SVQ_TRAFFIC_FRAMES:-100000}
fi
out=$repo/build/check
rm -rf "$out"
mkdir -p "$out"

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
summary() { echo; echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }
# gate NAME LOG CMD...: run CMD with output in LOG; pass when it exits 0.
gate()
{
	local name=$1 log=$2
	shift 2
	if "$@" > "$log" 2>&1; then
		pass "$name"
	else
		fail "$name (see ${log#"$repo"/})"
		tail -n 30 "$log" | sed 's/^/#   /'
	fi
}

"$here/deps.sh" || { fail "Debian packages installed"; summary; }
echo "# kernel: building or reusing the test-bench kernel"
kdir=$("$here/kernel.sh" $kflag | tail -n 1) || { fail "kernel build"; summary; }
export KDIR=$kdir
echo "# kernel: $kdir"

# --- static gates -----------------------------------------------------
mapfile -t csrc < <(cd "$repo" && git ls-files -co --exclude-standard \
	'drivers/*.[ch]' 'include/*.h' 'tools/testing/selftests/*.[ch]' \
	'tools/testing/svq/qemu/*.c' 'tools/testing/svq/l2/*.c')

build_module()
{
	# From clean: objects built against another bench kernel (another
	# config) look up to date to kbuild, and one built where
	# CONFIG_IOMMU_API was off kept the IOMMU stubs (vp_vdpa refused).
	make -C "$kdir" M="$repo" clean || return 1
	# the test-only fault switch in (the sabotaged scenarios)
	make -C "$kdir" M="$repo" W=1 C=2 CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT=y modules || return 1
	# W=1 and sparse findings are warnings, not errors: any is a failure.
	! grep -E '(warning|error):' "$out/module-build.log"
}
# C=2 checks every file, so the log lists every warning, new or old.
gate "module builds with W=1 and sparse (C=2), no warnings" \
	"$out/module-build.log" build_module

gate "checkpatch --strict on our C files and headers" "$out/checkpatch-src.log" \
	"$kdir/scripts/checkpatch.pl" --strict --no-tree --show-types --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${csrc[@]/#/$repo/}"
gate "checkpatch --strict on patches/ and the test kernel's kernel-patches/" \
	"$out/checkpatch-patches.log" \
	"$kdir/scripts/checkpatch.pl" --strict --no-tree --show-types --terse \
	--ignore FILE_PATH_CHANGES "$repo"/patches/*.patch "$repo"/patches/6.1/*.patch \
	"$repo"/tools/testing/svq/kernel-patches/*.patch

# The module builds against stock kernel headers with this copy of the
# header the series adds.
gate "include/linux/vhost_vdpa.h is the header patches/ add" \
	"$out/header-copy.log" cmp "$kdir/include/linux/vhost_vdpa.h" "$repo/include/linux/vhost_vdpa.h"

gate "patches/6.1 apply to linux-source-6.1; vhost_vdpa.ko and vhost_vdpa_svq.ko build with W=1 (and sparse) against Debian's 6.1 headers" \
	"$out/build-6.1.log" "$here/build-6.1.sh" "$out/6.1"
gate "make deb: vhost-vdpa-svq-dkms builds, lintian clean" "$out/deb.log" "$repo/tools/dkms/make-deb.sh"

gate "driver layers: one file calls the parent, includes only go downwards" \
	"$out/layers.log" python3 "$here/layers.py" "$repo/drivers/vdpa/svq"

kerneldoc()
{
	local out

	out=$("$kdir/scripts/kernel-doc" -Wall -none "$repo"/drivers/vdpa/svq/*.[ch] \
		"$repo"/include/trace/events/*.h 2>&1)
	echo "$out"
	[ -z "$out" ]
}
gate "kernel-doc -Wall: no warnings" "$out/kernel-doc.log" kerneldoc

# Documentation/ must parse without a warning (Debian's docutils; the
# python3 on PATH may be another one).
rst_docs()
{
	local f

	for f in "$repo"/Documentation/*/*.rst; do
		/usr/bin/python3 -m docutils --halt=warning "$f" /dev/null || return 1
	done
}
gate "Documentation/ reStructuredText parses without warnings" "$out/rst.log" rst_docs

coccicheck()
{
	make -C "$kdir" coccicheck MODE=report M="$repo/drivers/vdpa/svq" || return 1
	! grep -E "^$repo/.*:[0-9]+:" "$out/coccicheck.log"
}
gate "coccicheck MODE=report: no reports" "$out/coccicheck.log" coccicheck

gate "relay core builds in userspace and passes libFuzzer with ASan+UBSan" \
	"$out/fuzz.log" make -C "$here/fuzz" run RUNS=100000

gate "native benchmark (relay core vs vringh.c) builds and runs a smoke run" \
	"$out/bench-native.log" make -C "$here/bench-native" run RUNS=1 MS=5 RESULTS="$out/bench-native"

gate "qtest guest driver builds" "$out/qtest-build.log" make -C "$here/qemu"

# The virtio_traffic scenario's checker (the VM cannot build it: its root
# is the host's, read-only)
build_frame_loop()
{
	mkdir -p "$repo/build/bin" &&
	gcc -O2 -Wall -Wextra -Werror -o "$repo/build/bin/frame_loop" "$here/l2/frame_loop.c"
}
gate "frame_loop builds" "$out/frame_loop-build.log" build_frame_loop

# scenarios/vp_vdpa_linux_guest's L2 guest: make demo's initramfs and the
# bench kernel (not the debug kernel: a nested KASAN guest under TCG would
# not boot within the scenario's 600 s; the scenario skips there)
build_l2()
{
	rm -rf "$out/l2"
	[ -n "$kflag" ] && return 0
	"$here/l2/mkinitramfs.sh" "$kdir" "$out/l2" &&
	cp "$kdir/arch/x86/boot/bzImage" "$out/l2/bzImage"
}
gate "L2 guest (initramfs, kernel) builds" "$out/l2-build.log" build_l2

# Built from scratch, and every program must land next to its source (a
# nested make once put them in /, where the VM never looked).
build_selftests()
{
	local dir=$repo/tools/testing/selftests/vhost_vdpa_svq src

	make -C "$dir" KDIR="$kdir" clean && make -C "$dir" KDIR="$kdir" || return 1
	for src in "$dir"/*_test.c "$dir"/vhost_vdpa_svq_bench.c; do
		[ -x "${src%.c}" ] || { echo "missing: ${src%.c}"; return 1; }
	done
}
gate "selftests build" "$out/selftests-build.log" build_selftests

# --- in the VM -------------------------------------------------------
modules=()
for ko in "$repo"/drivers/vdpa/svq/*.ko; do
	[ -f "$ko" ] && modules+=(--module "$ko")
done
# the debug kernel's run took over 1500 s on a loaded host (TCG, 2 CPUs), the
# release kernel's about 450 s
vm_timeout=1500
[ -n "$kflag" ] && vm_timeout=2700
echo "# VM: booting $kdir under TCG"
vmout=$out/vm
# --iommu: q35 with an emulated Intel IOMMU and two virtio-net-pci NICs
# behind it for vp_vdpa (scenarios/vp_vdpa_*.sh); --pcap: their captures,
# which scenarios/vp_vdpa_linux_guest reads if a frame is lost
"$here/vm-run.sh" --kernel "$kdir" --iommu --pcap --timeout "$vm_timeout" --out "$vmout" "${modules[@]}" \
	-- "$here/run-tests.sh" > "$out/vm.log" 2>&1
vmrc=$?
sed 's/^/#   /' "$out/vm.log"
[ "$vmrc" = 0 ] && pass "VM ran the test runner" || fail "VM ran the test runner (rc $vmrc)"

# KUnit: parse the KTAP with the kernel's own parser.
for ktap in "$vmout"/kunit/*.ktap; do
	[ -f "$ktap" ] || continue
	python3 "$kdir/tools/testing/kunit/kunit.py" parse "$ktap" > "$ktap.parsed" 2>&1
	sed 's/^/#   /' "$ktap.parsed"
	line=$(grep -E "Ran [0-9]+ tests" "$ktap.parsed" | tail -n 1)
	p=$(sed -n 's/.*passed: \([0-9]*\).*/\1/p' <<< "$line")
	n=$(sed -n 's/.*Ran \([0-9]*\) tests.*/\1/p' <<< "$line")
	if [ -z "$n" ] || [ "$n" = 0 ]; then
		fail "KUnit $(basename "$ktap" .ktap): no result"
		continue
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + n - ${p:-0}))
	echo "# KUnit $(basename "$ktap" .ktap): $line"
done
ls "$vmout"/kunit/*.ktap > /dev/null 2>&1 || fail "KUnit suites produced results"

# vm_tests VMOUT SUFFIX: count the selftests (TAP, with the harness's
# Totals line) and scenarios a VM pass left in VMOUT; SUFFIX ends each
# test's name (which kernel ran it).
vm_tests()
{
	local vmout=$1 sfx=$2 tap line p f planned skipped name

	for tap in "$vmout"/selftests/*.tap; do
		[ -f "$tap" ] || continue
		name=$(basename "$tap" .tap)
		sed 's/^/#   /' "$tap"
		line=$(grep -E '^# Totals: ' "$tap" | tail -n 1)
		p=$(sed -n 's/.*Totals: pass:\([0-9]*\).*/\1/p' <<< "$line")
		f=$(sed -n 's/.* fail:\([0-9]*\).*/\1/p' <<< "$line")
		if [ -z "$line" ]; then
			fail "selftest $name$sfx: no Totals line (crashed?)"
			continue
		fi
		planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
		skipped=$(sed -n 's/.* skip:\([0-9]*\).*/\1/p' <<< "$line")
		passed=$((passed + p))
		failed=$((failed + f))
		echo "# selftest $name$sfx: $line"
		[ "$((p + f + skipped))" = "${planned:-0}" ] ||
			fail "selftest $name$sfx: $((p + f + skipped)) results for ${planned:-no} planned tests"
	done
	[ -f "$vmout/selftests/exit-codes" ] || fail "selftests ran$sfx"

	if [ -f "$vmout/scenarios/results.tap" ]; then
		while read -r line; do
			case "$line" in
			"ok - "*" # SKIP "*) echo "$line$sfx" ;;	# counted neither way
			"ok - "*) pass "${line#ok - }$sfx" ;;
			"not ok - "*) fail "${line#not ok - }$sfx"
				sed 's/^/#   /' "$vmout/scenarios/${line##* }.log" ;;
			esac
		done < "$vmout/scenarios/results.tap"
	fi
}
vm_tests "$vmout" ''


# Debug kernel: the irqsoff tracer's longest section per test (run-tests.sh).
# The tracer keeps only the longest section; on the TCG debug kernel that
# is usually kmemleak, RCU callbacks or the syscall entry (5-260 ms), not
# ours. The bound applies to a longest section that is the module's (its
# stack names an svq_ function); one elsewhere is reported, and then hides
# ours: the tracer cannot tell what came second.
if [ -n "$kflag" ]; then
	limit_us=5000
	if [ -s "$vmout/irqsoff/max-us" ]; then
		sed 's/^/#   irqsoff max (us): /' "$vmout/irqsoff/max-us"
		over=0
		while read -r name us; do
			trace=$vmout/irqsoff/$name.txt
			grep -q 'svq_' "$trace" || continue
			[ "$us" -le "$limit_us" ] 2>/dev/null && continue
			over=1
			fail "interrupts off longer than 5 ms in the module (${us} us in $name; see ${trace#"$repo"/})"
			head -n 60 "$trace" | sed 's/^/#   /'
		done < "$vmout/irqsoff/max-us"
		[ "$over" = 0 ] &&
			pass "no section of the module keeps interrupts off longer than 5 ms (of those the tracer saw)"
	else
		fail "interrupts never off longer than 5 ms (no irqsoff measurement)"
	fi
fi

# vm_kernel_log VMOUT SUFFIX TAG: the kernel log of a VM pass is clean
# and the stack unloaded (problems in $out/dmesg-problemsTAG.txt).
vm_kernel_log()
{
	local vmout=$1 sfx=$2 problems=$out/dmesg-problems$3.txt

	if [ -f "$vmout/dmesg.txt" ]; then
		if grep -E 'WARNING:|BUG:|Oops|KASAN:|UBSAN:|kmemleak: .*(new suspected|leaks reported)|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|soft lockup|hard LOCKUP' \
			"$vmout/dmesg.txt" > "$problems"; then
			fail "kernel log clean$sfx"
			sed 's/^/#   /' "$problems"
		else
			pass "kernel log clean (no warning, oops, lockdep or KASAN report)$sfx"
		fi
		if grep -qx unloaded "$vmout/unload.log" 2>/dev/null; then
			pass "all devices deleted and modules unloaded$sfx"
		else
			fail "all devices deleted and modules unloaded$sfx"
			sed 's/^/#   /' "$vmout/unload.log"
		fi
	else
		fail "kernel log collected$sfx"
	fi
}
vm_kernel_log "$vmout" '' ''

# --- Debian's unmodified kernels ------------------------------------------
# The selftests and the QEMU 7.2 migration scenarios again, on each of
# Debian 12's kernels, booted unmodified: linux-image-6.12.118+deb12-amd64
# with the modules a Debian machine gets from the DKMS package
# (stock-kernel-6.12.sh), and linux-image-6.1.0-57-amd64 (stock-kernel.sh),
# which has no vDPA at all, with the vDPA bus and vdpa_sim built from
# linux-source-6.1 unmodified and the 6.1 build gate's vhost_vdpa.ko
# (patches/6.1) and vhost_vdpa_svq.ko. KUnit stays on the bench kernel
# (the product's builds have no test module), and so does
# qemu72_migration_sabotaged (it needs the test-only fault switch). Not
# with --debug: a stock kernel is the same kernel either way.

# stock_from INFO KVER MODULE PATH-ERE: the stack on KVER loaded MODULE
# from PATH-ERE below /lib/modules/KVER/ (run-tests.sh's stock.txt)
stock_from()
{
	grep -Eq "^module $3 /+lib/modules/${2//+/\\+}/$4 " "$1" 2>/dev/null
}

# stock_modules INFO KVER SFX WHAT PATH-ERE MODULE...: each MODULE came
# from PATH-ERE (MODULE stands for itself in it as %)
stock_modules()
{
	local info=$1 kver=$2 sfx=$3 what=$4 ere=$5 m ok=1

	shift 5
	for m in "$@"; do
		stock_from "$info" "$kver" "$m" "${ere//%/$m}" || ok=0
	done
	verdict "$ok" "$* $what$sfx"
}

# verdict OK NAME: pass NAME if OK is 1, else fail it
verdict()
{
	if [ "$1" = 1 ]; then
		pass "$2"
	else
		fail "$2"
	fi
}

# stock_file INFO MODULE KO: the stack's MODULE is the file KO (SHA-256)
stock_file()
{
	local want

	want=$(sha256sum < "$3" | cut -d ' ' -f 1) && [ -n "$want" ] &&
	grep -Eq "^module $2 .* sha256 $want\$" "$1" 2>/dev/null
}

# stock_pass VERSION KVER PREPARE [VMARG... [-- RUNARG...]]: the pass on
# Debian's kernel KVER (vm-run.sh --stock VERSION VMARG...), prepared by
# the script PREPARE; run-tests.sh gets RUNARG... too. The caller checks
# where the stack's modules came from ($out/vm-stock-VERSION/stock.txt).
stock_pass()
{
	local ver=$1 kver=$2 prep=$3 sfx=" (Debian $2)" svmout=$out/vm-stock-$1
	local vmrc start info vmargs=()

	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		vmargs+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	echo "# VM: booting Debian's $kver under TCG"
	start=$(date +%s)
	if ! "$here/$prep" > "$out/stock-$ver.log" 2>&1; then
		fail "stock kernel $ver and its modules ready$sfx (see ${out#"$repo"/}/stock-$ver.log)"
		tail -n 30 "$out/stock-$ver.log" | sed 's/^/#   /'
		return
	fi
	pass "stock kernel $ver and its modules ready$sfx"
	"$here/vm-run.sh" --stock "$ver" --timeout 1500 --out "$svmout" "${vmargs[@]}" \
		-- "$here/run-tests.sh" --no-kunit --scenarios 'qemu72_migration*' \
		--skip qemu72_migration_sabotaged "$@" > "$out/vm-stock-$ver.log" 2>&1
	vmrc=$?
	sed 's/^/#   /' "$out/vm-stock-$ver.log"
	if [ "$vmrc" = 0 ]; then
		pass "VM ran the test runner$sfx"
	else
		fail "VM ran the test runner$sfx (rc $vmrc)"
	fi
	info=$svmout/stock.txt
	sed 's/^/#   /' "$info" 2>/dev/null
	if grep -qx "uname -r $kver" "$info" 2>/dev/null; then
		pass "booted the stock kernel$sfx"
	else
		fail "booted the stock kernel$sfx"
	fi
	vm_tests "$svmout" "$sfx"
	vm_kernel_log "$svmout" "$sfx" "-stock-$ver"
	echo "# Debian $kver: $(( $(date +%s) - start ))s"
}

# Debian's 6.1: vdpa_sim_net has one queue pair there (kernel-patches/
# does not apply to 6.1), so the multiqueue test and scenario stay out.
stock_61()
{
	local kver=6.1.0-57-amd64 sfx m ok=1 sdir
	local info=$out/vm-stock-6.1/stock.txt ko6=$out/6.1/build/vhost_vdpa.ko
	local kos=$out/6.1/svq/drivers/vdpa/svq/vhost_vdpa_svq.ko

	sfx=" (Debian $kver)"	# stock_pass's

	if [ ! -f "$ko6" ] || [ ! -f "$kos" ]; then
		fail "the 6.1 build gate's modules are there for the 6.1 pass$sfx"
		return
	fi
	stock_pass 6.1 "$kver" stock-kernel.sh --module "$ko6" --module "$kos" \
		-- --skip qemu72_migration_mq --skip vhost_vdpa_svq_mq_test
	stock_modules "$info" "$kver" "$sfx" "are the image's own modules" \
		'kernel/drivers/vhost/%\.ko' vhost_iotlb vhost
	# not rebuilt with the series: the parent and the bus as a 6.1 host
	# without vDPA would build them from linux-source-6.1
	# (stock-kernel.sh's last line: its cache directory)
	sdir=$(tail -n 1 "$out/stock-6.1.log")
	for m in vdpa vringh vdpa_sim vdpa_sim_net; do
		stock_file "$info" "$m" "$sdir/extra/$m.ko" || ok=0
	done
	verdict "$ok" "vdpa vringh vdpa_sim vdpa_sim_net are built from linux-source-6.1 unmodified$sfx"
	ok=1
	stock_file "$info" vhost_vdpa "$ko6" && stock_file "$info" vhost_vdpa_svq "$kos" || ok=0
	verdict "$ok" "vhost_vdpa (patches/6.1) and vhost_vdpa_svq are the 6.1 build gate's$sfx"
}

# Debian's 6.12: the bus and vhost from the image, the rest from the DKMS
# package
stock_612()
{
	local kver=6.12.118+deb12-amd64 sfx
	local info=$out/vm-stock-6.12/stock.txt

	sfx=" (Debian $kver)"	# stock_pass's

	stock_pass 6.12 "$kver" stock-kernel-6.12.sh
	stock_modules "$info" "$kver" "$sfx" "are the image's own modules" \
		'kernel/drivers/.*/%\.ko\.xz' vdpa vhost_iotlb vhost
	stock_modules "$info" "$kver" "$sfx" "are the DKMS build" \
		'updates/dkms/%\.ko' vhost_vdpa vhost_vdpa_svq
}

if [ -z "$kflag" ]; then
	stock_612
	stock_61
fi
summary
