#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report of make profile (profile.sh): cycles per frame of each part of
the relay, from the raw lines of profile-vm.sh, against the budget that a
frame-rate ratio to passthrough leaves. Indices: svq_prof.h of
relay-tsc.patch."""
import statistics
import sys

USED, AVAIL, PT_CB, PT_KICK = 0, 16, 32, 48
PASSES, CHAINS, LOCK, CORE, UNLOCK, COUNTERS, NOTIFY, CALL, WHOLE, TIMERS, TIMER = range(11)
PARTS = [(LOCK, "lock"), (CORE, "relay core"), (UNLOCK, "unlock"),
         (COUNTERS, "counters")]


def main(path):
    tsc_hz = None
    runs = {}
    for line in open(path):
        f = line.split()
        if f[:1] == ["tsc_khz"]:
            tsc_hz = int(f[1]) * 1000
        elif f[:1] == ["run"] and len(f) == 6:
            w, c, frames, fps = f[1], f[2], int(f[3]), float(f[4])
            cnt = [int(x) for x in f[5].split(",")]
            runs.setdefault((w, c), []).append((frames, fps, cnt))
    if not tsc_hz or not runs:
        sys.exit("profile-report.py: no TSC frequency or no run in " + path)
    for w in ("ping-pong", "stream"):
        pt, sh = runs.get((w, "passthrough")), runs.get((w, "shadow"))
        if not pt or not sh:
            continue
        fps_pt = statistics.median(r[1] for r in pt)
        fps_sh = statistics.median(r[1] for r in sh)
        per_pt, per_sh = tsc_hz / fps_pt, tsc_hz / fps_sh
        print(f"{w}: passthrough {fps_pt:.0f} frames/s ({per_pt:.0f} cycles per frame), "
              f"shadow {fps_sh:.0f} ({per_sh:.0f}); ratio {fps_sh / fps_pt:.3f} "
              f"(medians of {len(pt)} runs)")
        print(f"  shadow costs {per_sh - per_pt:.0f} cycles per frame more; a ratio of "
              f"0.95 allows {per_pt * (1 / 0.95 - 1):.0f}, 0.90 allows "
              f"{per_pt * (1 / 0.90 - 1):.0f}")
        frames = sum(r[0] for r in sh)
        tot = [sum(r[2][i] for r in sh) for i in range(len(sh[0][2]))]
        core = 0
        print("  shadow mode, cycles per frame (the cost of measuring an interval "
              "subtracted):")
        for base, name, notify in ((USED, "used passes ", "guest signal"),
                                   (AVAIL, "avail passes", "device kick")):
            passes = tot[base + PASSES] / frames
            if not passes:
                continue
            timer = tot[base + TIMER] / tot[base + TIMERS]
            chains = tot[base + CHAINS] / tot[base + PASSES]
            parts = {n: tot[base + i] / frames - timer * passes for i, n in PARTS}
            sig = tot[base + NOTIFY] / frames - timer * passes
            whole = tot[base + WHOLE] / frames
            rest = whole - sum(tot[base + i] for i, _ in PARTS) / frames \
                - tot[base + NOTIFY] / frames - 2 * timer * passes
            core += parts["relay core"]
            print(f"    {name} {passes:.2f} per frame, {chains:.2f} chains each "
                  f"(an interval costs {timer:.0f}): " +
                  ", ".join(f"{n} {v:.0f}" for n, v in parts.items()) +
                  f", {notify} {sig:.0f}, entry and exit {rest:.0f}")
        frames_pt = sum(r[0] for r in pt)
        tot_pt = [sum(r[2][i] for r in pt) for i in range(len(pt[0][2]))]
        for base, name in ((PT_CB, "callbacks"), (PT_KICK, "kicks")):
            calls = tot_pt[base + CALL] / frames_pt
            print(f"  passthrough {name}: {calls:.2f} per frame, "
                  f"{tot_pt[base + WHOLE] / frames_pt:.0f} cycles per frame")
        print(f"  relay cores alone: {core:.0f} cycles per frame, "
              f"{100 * core / (per_pt * (1 / 0.95 - 1)):.0f} % of what 0.95 allows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
