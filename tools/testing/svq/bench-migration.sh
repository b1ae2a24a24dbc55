#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration section of make bench, run inside the test VM with the
# stack loaded (svq_load_stack): our shadow device against QEMU's own
# userspace shadow virtqueue as the reference, both migrated by Debian's
# QEMU 7.2 with the qtest-driven guest of the migration scenarios
# (qemu/qtest_net -t: frames verified before, during and after, the
# destination's rings and receive buffers checked; the migration pauses
# before the switch-over while the driver finishes its frame). Configurations:
#
#   ours   two shadow devices (mode auto) on vdpa_sim_net, as in
#          scenarios/qemu72_migration.sh: passthrough until QEMU turns
#          dirty logging on, then shadow with logging
#   x-svq  -netdev vhost-vdpa,x-svq=on on plain vhost_vdpa + vdpa_sim_net
#          (no shadow module: 7.2 refuses x-svq on a device offering
#          VHOST_F_LOG_ALL), on the same stack: vdpa_sim use_va=0 (PA
#          mode), max_iotlb_entries=1048576 in vdpa_sim and vhost_vdpa
#
# Each round runs both, in alternating order (ours first in odd rounds).
# A run measures frames/s on the source before the migration (steady
# state: FRAMES less a tenth of warm-up), query-migrate's total-time and
# downtime, frames/s while the migration ran and on the destination, and
# whether every frame and the destination's memory checked out, and what
# became of the frame in flight at the switch-over if there was one. The
# report gives every run, then per configuration the median of each value
# over the runs that measured it (a run can fail after its migration
# completed, on the destination) with the ratio x-svq / ours, and how many
# runs passed every check.
#
# Then, once and not alternated (it reloads vdpa_sim, so it comes last;
# SVQ_BENCH_VA=0 skips it): x-svq in VA mode, vdpa_sim use_va=1 with guest
# RAM on a shared memfd (VA mode maps only shared file-backed memory).
#
# Usage: bench-migration.sh [ROUNDS [FRAMES]]   (default 3 rounds, 300)
# Raw output: $SVQ_OUT/migration/ (one log per run, results.tsv).
set -u
. "$PWD/tools/testing/svq/lib.sh"
export SVQ_REPO=$PWD
rounds=${1:-3}
frames=${2:-300}
qemu_dir=$SVQ_REPO/tools/testing/svq/qemu
raw=${SVQ_OUT:-/tmp}/migration
mkdir -p "$raw"
tsv=$raw/results.tsv
printf 'config\tround\trc\tsource_fps\ttotal_ms\tdowntime_ms\tsetup_ms\tduring_frames\tduring_fps\tdest_fps\tframes_verified\tin_flight\n' > "$tsv"

# run_xsvq WORK: the x-svq configuration on two plain vdpa_sim_net devices
run_xsvq()
{
	local work=$1 rc=0 d
	export SVQ_QEMU_NETDEV=,x-svq=on
	vdpa dev add name xlower0 mgmtdev vdpasim_net &&
	vdpa dev add name xlower1 mgmtdev vdpasim_net &&
	svq_bind xlower0 vhost_vdpa && svq_bind xlower1 vhost_vdpa &&
	svq_vhost_dev xlower0 > "$work/a.node" && svq_vhost_dev xlower1 > "$work/b.node" &&
	"$qemu_dir/qemu72.sh" start "$work" a || rc=1
	[ "$rc" = 0 ] && { timeout 300 "$qemu_dir/qtest_net" -w "$work" -t -f "$frames" -m 1 \
		-x "$qemu_dir/qemu72.sh start $work" || rc=$?; }
	for d in a b; do
		[ -s "$work/$d.log" ] && sed "s/^/QEMU $d: /" "$work/$d.log"
	done
	"$qemu_dir/qemu72.sh" stop "$work"
	vdpa dev del xlower0
	vdpa dev del xlower1
	unset SVQ_QEMU_NETDEV
	return "$rc"
}

# run_ours WORK: the scenario's setup, run and teardown
run_ours()
{
	local work=$1 rc=0
	svq_qemu72_setup "$work" || rc=1
	[ "$rc" = 0 ] && { svq_qemu72_run "$work" -t -f "$frames" -m 1 || rc=$?; }
	svq_qemu72_teardown "$work"
	return "$rc"
}

# num LOG REGEX: the first number after REGEX in LOG's timing lines ("-")
num()
{
	local v
	v=$(sed -n "s/^timing: .*$2 \([0-9.]*\).*/\1/p" "$1" | head -n 1)
	echo "${v:--}"
}

# one CONFIG ROUND [LABEL]: run CONFIG once, keep its log, add a TSV row
one()
{
	local config=$1 round=$2 label=${3:-$1} work log rc=0 verified in_flight=-
	work=$(mktemp -d)
	log=$raw/$label-round$round.log
	"run_${config/-/}" "$work" > "$log" 2>&1 || rc=$?
	rm -rf "$work"
	verified=$(sed -n 's/^\([0-9]*\) frames verified, 1 migrations$/\1/p' "$log")
	# the frame in flight at the switch-over, if there was one
	if grep -q 'one in flight at the switch-over delivered' "$log"; then
		in_flight=delivered
	elif grep -q 'in flight at the switch-over, lost' "$log"; then
		in_flight=lost
	elif grep -q 'destination memory checked' "$log"; then
		in_flight=none
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$round" "$rc" \
		"$(num "$log" 'source: [0-9]* frames in [0-9.]* s,')" \
		"$(num "$log" 'total-time')" "$(num "$log" 'downtime')" \
		"$(num "$log" 'setup-time')" "$(num "$log" 'ms, setup-time [0-9]* ms,')" \
		"$(num "$log" 's during,')" \
		"$(num "$log" 'destination: [0-9]* frames in [0-9.]* s,')" \
		"${verified:-FAIL}" "$in_flight" >> "$tsv"
	echo "  round $round $label: exit $rc ($(date +%T))"
}

echo
echo "=== Live migration with Debian's QEMU $(qemu-system-x86_64 --version |
	sed -n 's/.*version \([^ ]*\).*/\1/p'): ours vs QEMU's x-svq=on (reference) ==="
echo "qtest-driven guest (qemu/qtest_net -t -f $frames -m 1), TCG; $rounds rounds, alternating"
echo "ours:  shadow devices (mode auto) on vdpa_sim_net"
echo "x-svq: -netdev vhost-vdpa,x-svq=on on plain vhost_vdpa + vdpa_sim_net"
echo "both:  vdpa_sim use_va=$(cat /sys/module/vdpa_sim/parameters/use_va) (PA mode)," \
     "max_iotlb_entries $(cat /sys/module/vdpa_sim/parameters/max_iotlb_entries)" \
     "(vdpa_sim), $(cat /sys/module/vhost_vdpa/parameters/max_iotlb_entries) (vhost_vdpa)"
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		one ours "$r"; one x-svq "$r"
	else
		one x-svq "$r"; one ours "$r"
	fi
done

if [ "${SVQ_BENCH_VA:-1}" != 0 ]; then
	echo "  x-svq in VA mode: reloading vdpa_sim with use_va=1, guest RAM on a shared memfd"
	svq_del_all_devices
	if modprobe -r vhost_vdpa_svq vhost_vdpa vdpa_sim_net vdpa_sim &&
	   modprobe vdpa_sim use_va=1 && modprobe vdpa_sim_net && modprobe vhost_vdpa; then
		SVQ_QEMU_EXTRA="-object memory-backend-memfd,id=mem,size=128M,share=on -machine memory-backend=mem" \
			one x-svq 1 x-svq-va
		dmesg | tail -n 200 | grep -m 3 -i 'vringh\|Failed to access' |
			sed 's/^/kernel: /' >> "$raw/x-svq-va-round1.log"
	else
		echo "  could not reload vdpa_sim in VA mode"
	fi
	svq_del_all_devices
	modprobe -r vhost_vdpa vdpa_sim_net vdpa_sim
	svq_load_stack
fi

python3 - "$tsv" "$raw" <<'EOF'
import csv, statistics, sys, os

tsv, raw = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(tsv), delimiter='\t'))
cols = [('source_fps', 'frames/s before migration (source, steady state)'),
        ('total_ms', 'migration total-time, ms'),
        ('downtime_ms', 'downtime, ms'),
        ('setup_ms', 'setup-time, ms'),
        ('during_fps', 'frames/s while migrating'),
        ('during_frames', 'frames verified while migrating'),
        ('dest_fps', 'frames/s after migration (destination)')]

print()
print('%-9s %5s %4s %10s %8s %7s %5s %6s %8s %9s %8s %9s' %
      ('config', 'round', 'exit', 'before f/s', 'total ms', 'down ms', 'setup', 'during',
       'during/s', 'after f/s', 'verified', 'in flight'))
for r in rows:
    print('%-9s %5s %4s %10s %8s %7s %5s %6s %8s %9s %8s %9s' %
          (r['config'], r['round'], r['rc'], r['source_fps'], r['total_ms'], r['downtime_ms'],
           r['setup_ms'], r['during_frames'], r['during_fps'], r['dest_fps'],
           r['frames_verified'], r['in_flight']))


def median(config, col):
    v = [float(r[col]) for r in rows if r['config'] == config and r[col] != '-']
    return (statistics.median(v), len(v)) if v else (None, 0)


def fmt(v, n, runs):
    s = '-' if v is None else ('%.1f' % v if v < 100 else '%.0f' % v)
    return s if n == runs else '%s (%d)' % (s, n)


nruns = {c: sum(r['config'] == c for r in rows) for c in ('ours', 'x-svq')}
print()
print('median over the runs that measured it (their number in parentheses when not all)')
print('%-45s %10s %10s %10s' % ('', 'ours', 'x-svq', 'x-svq/ours'))
for col, name in cols:
    (a, na), (b, nb) = median('ours', col), median('x-svq', col)
    ratio = '%.2f' % (b / a) if a and b is not None else '-'
    print('%-45s %10s %10s %10s' % (name, fmt(a, na, nruns['ours']),
                                    fmt(b, nb, nruns['x-svq']), ratio))
print()
for config in ('ours', 'x-svq', 'x-svq-va'):
    runs = [r for r in rows if r['config'] == config]
    if not runs:
        continue
    ok = sum(r['rc'] == '0' for r in runs)
    flight = {k: sum(r['in_flight'] == k for r in runs) for k in ('delivered', 'lost', 'none')}
    print('%s: %d of %d runs passed (every frame before, during and after the migration '
          'verified, destination memory checked); a frame in flight at the switch-over: '
          'delivered %d, lost %d, none in flight %d' %
          (config, ok, len(runs), flight['delivered'], flight['lost'], flight['none']))
    for r in runs:
        if r['rc'] == '0':
            continue
        log = os.path.join(raw, '%s-round%s.log' % (config, r['round']))
        lines = [l.rstrip() for l in open(log, errors='replace')]
        why = [l for l in lines if l.startswith(('qtest_net:', 'frame ', 'QEMU ', 'kernel: '))]
        print('  round %s failed (exit %s); its messages:' % (r['round'], r['rc']))
        for l in why[:12]:
            print('    ' + l)
EOF
