#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make check's structure gate for drivers/vdpa/svq/.

1. One file talks to the parent: only svq_lower.c dereferences a vdpa
   device's config ops ("config->").
2. Layers call downwards only: a file includes the headers of the files
   below it (LAYERS, bottom first), its own, and svq_dev.h (types); so no
   two driver files depend on each other in a circle.
Exits 1 with one line per violation.
"""
import os
import re
import sys

LAYERS = ["svq_compat", "svq_log", "svq_ring", "svq_dev", "svq_lower", "svq_iotlb", "svq_window",
          "svq_guest", "svq_dirty", "svq_relay", "svq_vq", "svq_ops", "svq_sysfs",
          "svq_mgmt", "svq_main"]
TESTS = {"svq_test_main", "svq_log_test", "svq_ring_test"}

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "../../../drivers/vdpa/svq")
bad = []
files = sorted(f for f in os.listdir(src) if re.fullmatch(r"svq_\w+\.[ch]", f))
for f in files:
    unit = f[:-2]
    if unit in TESTS:
        continue
    text = open(os.path.join(src, f)).read()
    if f.endswith(".c") and "config->" in text and unit != "svq_lower":
        bad.append(f"{f}: calls into the parent (config->): only svq_lower.c may")
    if unit not in LAYERS:
        bad.append(f"{f}: not in the layer list of {sys.argv[0]}")
        continue
    for inc in re.findall(r'#include "(svq_\w+)\.h"', text):
        if inc == unit:
            continue
        if inc not in LAYERS:
            bad.append(f"{f}: includes {inc}.h, not in the layer list")
        elif LAYERS.index(inc) > LAYERS.index(unit):
            bad.append(f"{f}: includes {inc}.h, a layer above it")
for line in bad:
    print(line)
print(f"{len(files)} files checked, {len(bad)} violations")
sys.exit(1 if bad else 0)
