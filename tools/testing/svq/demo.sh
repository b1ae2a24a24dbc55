#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build what is needed, boot the test VM and show, in words,
# what the product does so far.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

say() { printf '\n==> %s\n' "$*"; }

say "Checking the Debian packages the demo needs"
"$here/deps.sh"
say "Building the test kernel (Debian's linux-source-6.12 + patches/; reused when unchanged)"
kdir=$("$here/kernel.sh" | tail -n 1)
echo "kernel tree: $kdir"
say "Building vhost_vdpa_svq.ko against it"
make -s -C "$kdir" M="$repo" modules
say "Booting the kernel under QEMU (TCG) and running the scenario inside"
modules=()
for ko in "$repo"/drivers/vdpa/svq/*.ko; do modules+=(--module "$ko"); done
"$here/vm-run.sh" --kernel "$kdir" --timeout 600 "${modules[@]}" -- "$here/demo-guest.sh"
say "Demo finished: a shadow device stacked on vdpa_sim_net passed the same verified traffic in passthrough and in shadow mode. Live migration with QEMU 7.2 is not part of the demo yet."
