#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh DIR KDIR: the measurement copy of the module for make profile,
# in DIR (emptied first): the tree's Kbuild, drivers/ and include/ with
# relay-tsc.patch applied, built against KDIR. make check runs it too, so
# that the patch keeps applying to the sources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
dir=$1 kdir=$2
rm -rf "$dir"
mkdir -p "$dir"
cp -r "$repo/Kbuild" "$repo/drivers" "$repo/include" "$dir/"
patch -s -d "$dir" -p1 < "$here/relay-tsc.patch"
make -s -C "$kdir" M="$dir" modules
