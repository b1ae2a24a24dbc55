#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration section of make bench, run inside the test VM with the
# stack loaded (svq_load_stack): our shadow device under Debian's QEMU
# 7.2 against what a user with a current QEMU gets, QEMU 10.1 migrating
# plain vhost-vdpa by itself, with the qtest-driven guest of the migration
# scenarios (qemu/qtest_net -t: frames verified before, during and after,
# the destination's rings and receive buffers checked; the migration
# pauses before the switch-over while the driver finishes its frame).
# Configurations:
#
#   ours   QEMU 7.2, two shadow devices (mode auto) on vdpa_sim_net, as in
#          scenarios/qemu72_migration.sh: passthrough until QEMU turns
#          dirty logging on, then shadow with logging
#   q101   QEMU 10.1 (qemu/build-qemu101.sh, SVQ_QEMU101_DIR), plain
#          vhost_vdpa + vdpa_sim_net, stock options: at migration setup
#          QEMU >= 8 stops the device and restarts it behind its own
#          userspace shadow virtqueue (vdpa_net_migration_state_notifier()
#          in net/vhost-vdpa.c); the qemu_svq column counts the ring
#          bases it set with "svq: 1" (its vhost_vdpa_set_dev_vring_base
#          trace), so a run where it did not shadow shows
#   x-svq  only with SVQ_BENCH_XSVQ=1: QEMU 7.2's -netdev
#          vhost-vdpa,x-svq=on on plain vhost_vdpa + vdpa_sim_net. It is
#          no longer the reference: an experimental option of an old QEMU
#          that no user would pick over 10.1, and what it told is known
#          and kept in README.rst (as fast as ours within the qtest pace;
#          it loses the frame in flight at the switch-over, which 7.2's
#          vhost_svq_stop() drops). Its one run in VA mode (use_va=1)
#          is gone: it passed no frame (the device cannot read 7.2's
#          shadow rings), and reloading vdpa_sim cost a minute.
#
# All run on the same stack: vdpa_sim use_va=0 (PA mode),
# max_iotlb_entries=1048576 in vdpa_sim and vhost_vdpa. Each round runs
# every configuration once, the order rotated from round to round (ours
# first in odd rounds with two). A run measures frames/s on the source
# before the migration (steady state: FRAMES less a tenth of warm-up),
# query-migrate's total-time and downtime, frames/s while the migration
# ran and on the destination, whether every frame and the destination's
# memory checked out, what became of the frame in flight at the
# switch-over if there was one (delivered; renotified: delivered only
# after qtest_net notified its queue again, the destination having never
# been told of it; lost), and the frames lost (0 in a run that
# passed, 1 when the driver found a frame missing, "-" when the run
# failed for another reason). The report gives every run, then per
# configuration the median of each value over the runs that measured it
# (a run can fail after its migration completed, on the destination) with
# the ratio to ours, and how many runs passed every check. Without a QEMU
# 10.1 build it says so and runs ours alone.
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
printf 'config\tround\trc\tsource_fps\ttotal_ms\tdowntime_ms\tsetup_ms\tduring_frames\tduring_fps\tdest_fps\tframes_verified\tin_flight\tframes_lost\tqemu_svq\n' > "$tsv"

# run_plain WORK: two plain vdpa_sim_net devices on vhost_vdpa, QEMU as
# the environment sets it (x-svq: SVQ_QEMU_NETDEV; q101: SVQ_QEMU_BIN)
run_plain()
{
	local work=$1 rc=0 d
	vdpa dev add name xlower0 mgmtdev vdpasim_net &&
	vdpa dev add name xlower1 mgmtdev vdpasim_net &&
	svq_bind xlower0 vhost_vdpa && svq_bind xlower1 vhost_vdpa &&
	svq_vhost_dev xlower0 > "$work/a.node" && svq_vhost_dev xlower1 > "$work/b.node" &&
	"$qemu_dir/qemu72.sh" start "$work" a || rc=1
	# shellcheck disable=SC2086 # SVQ_QTEST_ARGS: options, word-split
	[ "$rc" = 0 ] && { timeout 300 "$qemu_dir/qtest_net" -w "$work" -t -f "$frames" -m 1 \
		${SVQ_QTEST_ARGS:-} -x "$qemu_dir/qemu72.sh start $work" || rc=$?; }
	for d in a b; do
		[ -s "$work/$d.log" ] && sed "s/^/QEMU $d: /" "$work/$d.log"
	done
	"$qemu_dir/qemu72.sh" stop "$work"
	vdpa dev del xlower0
	vdpa dev del xlower1
	return "$rc"
}

# run_xsvq WORK: QEMU 7.2's x-svq=on on plain devices
run_xsvq()
{
	SVQ_QEMU_NETDEV=,x-svq=on run_plain "$1"
}

# run_q101 WORK: QEMU 10.1 on plain devices, its ring bases traced
run_q101()
(
	svq_qemu101 || exit 1
	# -r: 10.1 may stop before it takes a notified frame (qtest_net.c)
	SVQ_QTEST_ARGS=-r SVQ_QEMU_EXTRA="-trace vhost_vdpa_set_dev_vring_base" run_plain "$1"
)

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

# one CONFIG ROUND: run CONFIG once, keep its log, add a TSV row
one()
{
	local config=$1 round=$2 work log rc=0 verified in_flight=- lost=- svq=-
	work=$(mktemp -d)
	log=$raw/$config-round$round.log
	"run_${config/-/}" "$work" > "$log" 2>&1 || rc=$?
	rm -rf "$work"
	verified=$(sed -n 's/^\([0-9]*\) frames verified, 1 migrations$/\1/p' "$log")
	# the frame in flight at the switch-over, if there was one
	if grep -q 'in flight at the switch-over delivered only after a second notification' "$log"; then
		in_flight=renotified
	elif grep -q 'one in flight at the switch-over delivered' "$log"; then
		in_flight=delivered
	elif grep -q 'in flight at the switch-over, lost' "$log"; then
		in_flight=lost
	elif grep -q 'destination memory checked' "$log"; then
		in_flight=none
	fi
	# frames lost: the driver stops at the first frame missing
	if [ "$rc" = 0 ]; then
		lost=0
	elif grep -q 'qtest_net: .*\(, lost\|nothing received\|in no rx\)' "$log"; then
		lost=1
	fi
	[ "$config" = q101 ] &&
		svq=$(grep -c '^QEMU a: .*vhost_vdpa_set_dev_vring_base.* svq: 1' "$log")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$round" "$rc" \
		"$(num "$log" 'source: [0-9]* frames in [0-9.]* s,')" \
		"$(num "$log" 'total-time')" "$(num "$log" 'downtime')" \
		"$(num "$log" 'setup-time')" "$(num "$log" 'ms, setup-time [0-9]* ms,')" \
		"$(num "$log" 's during,')" \
		"$(num "$log" 'destination: [0-9]* frames in [0-9.]* s,')" \
		"${verified:-FAIL}" "$in_flight" "$lost" "$svq" >> "$tsv"
	echo "  round $round $config: exit $rc ($(date +%T))"
}

configs=(ours)
q101_version=
if why=$(svq_qemu101); then
	configs+=(q101)
	# both configurations on the same device, which 10.1 can shadow
	svq_sim_no_indirect || exit 1
	q101_version=$("$SVQ_QEMU101_DIR/b/qemu-system-x86_64" --version |
		sed -n 's/.*version \([^ ]*\).*/\1/p')
fi
[ "${SVQ_BENCH_XSVQ:-0}" = 1 ] && configs+=(x-svq)

echo
echo "=== Live migration: ours under Debian's QEMU $(qemu-system-x86_64 --version |
	sed -n 's/.*version \([^ ]*\).*/\1/p') vs plain vhost-vdpa under QEMU ${q101_version:-10.1} (reference) ==="
echo "qtest-driven guest (qemu/qtest_net -t -f $frames -m 1), TCG; $rounds rounds, order rotated"
echo "ours:  QEMU 7.2, shadow devices (mode auto) on vdpa_sim_net"
if [ -n "$q101_version" ]; then
	echo "q101:  QEMU $q101_version, -netdev vhost-vdpa on plain vhost_vdpa + vdpa_sim_net" \
	     "(QEMU shadows it itself at migration setup)"
else
	echo "q101:  not run: ${why#SKIP: }"
fi
[ "${SVQ_BENCH_XSVQ:-0}" = 1 ] &&
	echo "x-svq: QEMU 7.2, -netdev vhost-vdpa,x-svq=on on plain vhost_vdpa + vdpa_sim_net"
echo "all:   vdpa_sim use_va=$(cat /sys/module/vdpa_sim/parameters/use_va) (PA mode)," \
     "max_iotlb_entries $(cat /sys/module/vdpa_sim/parameters/max_iotlb_entries)" \
     "(vdpa_sim), $(cat /sys/module/vhost_vdpa/parameters/max_iotlb_entries) (vhost_vdpa)"
n=${#configs[@]}
for r in $(seq "$rounds"); do
	for i in $(seq 0 $((n - 1))); do
		one "${configs[$(((r - 1 + i) % n))]}" "$r"
	done
done

python3 - "$tsv" "$raw" <<'EOF'
import csv, statistics, sys, os

tsv, raw = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(tsv), delimiter='\t'))
configs = [c for c in ('ours', 'q101', 'x-svq') if any(r['config'] == c for r in rows)]
cols = [('source_fps', 'frames/s before migration (source, steady state)'),
        ('total_ms', 'migration total-time, ms'),
        ('downtime_ms', 'downtime, ms'),
        ('setup_ms', 'setup-time, ms'),
        ('during_fps', 'frames/s while migrating'),
        ('during_frames', 'frames verified while migrating'),
        ('dest_fps', 'frames/s after migration (destination)'),
        ('frames_lost', 'frames lost (per run)')]

print()
print('%-6s %5s %4s %10s %8s %7s %5s %6s %8s %9s %8s %10s %4s %8s' %
      ('config', 'round', 'exit', 'before f/s', 'total ms', 'down ms', 'setup', 'during',
       'during/s', 'after f/s', 'verified', 'in flight', 'lost', 'qemu svq'))
for r in rows:
    print('%-6s %5s %4s %10s %8s %7s %5s %6s %8s %9s %8s %10s %4s %8s' %
          (r['config'], r['round'], r['rc'], r['source_fps'], r['total_ms'], r['downtime_ms'],
           r['setup_ms'], r['during_frames'], r['during_fps'], r['dest_fps'],
           r['frames_verified'], r['in_flight'], r['frames_lost'], r['qemu_svq']))


def median(config, col):
    v = [float(r[col]) for r in rows if r['config'] == config and r[col] != '-']
    return (statistics.median(v), len(v)) if v else (None, 0)


def fmt(v, n, runs):
    s = '-' if v is None else ('%.1f' % v if v < 100 else '%.0f' % v)
    return s if n == runs else '%s (%d)' % (s, n)


nruns = {c: sum(r['config'] == c for r in rows) for c in configs}
print()
print('median over the runs that measured it (their number in parentheses when not all)')
print('%-51s' % '' + ''.join('%10s' % c for c in configs) +
      ''.join('%12s' % (c + '/ours') for c in configs[1:]))
for col, name in cols:
    m = [median(c, col) for c in configs]
    line = '%-51s' % name + ''.join('%10s' % fmt(v, k, nruns[c]) for (v, k), c in zip(m, configs))
    for v, k in m[1:]:
        line += '%12s' % ('%.2f' % (v / m[0][0]) if m[0][0] and v is not None else '-')
    print(line)
print()
for config in configs:
    runs = [r for r in rows if r['config'] == config]
    ok = sum(r['rc'] == '0' for r in runs)
    flight = {k: sum(r['in_flight'] == k for r in runs)
              for k in ('delivered', 'renotified', 'lost', 'none')}
    print('%s: %d of %d runs passed (every frame before, during and after the migration '
          'verified, destination memory checked); a frame in flight at the switch-over: '
          'delivered %d, delivered only after a second notification %d, lost %d, '
          'none in flight %d' %
          (config, ok, len(runs), flight['delivered'], flight['renotified'], flight['lost'],
           flight['none']))
    if config == 'q101':
        print('q101: QEMU set its ring bases for its own shadow virtqueue ("svq: 1") in %d of %d runs'
              % (sum(r['qemu_svq'] not in ('-', '0') for r in runs), len(runs)))
    for r in runs:
        if r['rc'] == '0':
            continue
        log = os.path.join(raw, '%s-round%s.log' % (config, r['round']))
        lines = [l.rstrip() for l in open(log, errors='replace')]
        why = [l for l in lines if l.startswith(('qtest_net:', 'frame ', 'QEMU ', 'SKIP'))
               and 'vhost_vdpa_set_dev_vring_base' not in l]
        print('  round %s failed (exit %s); its messages:' % (r['round'], r['rc']))
        for l in why[:12]:
            print('    ' + l)
EOF
