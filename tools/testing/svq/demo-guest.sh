#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The part of make demo that runs inside the VM.
set -euo pipefail
. "$PWD/tools/testing/svq/lib.sh"

say() { printf '\n--> %s\n' "$*"; }

say "Guest kernel $(uname -r); loading vdpa_sim (PA mode: use_va=0), vdpa_sim_net, vhost_vdpa, vhost_vdpa_svq"
svq_load_stack
lsmod | grep -E '^(vdpa|vhost|vringh)' | awk '{print "    " $1}'
say "Management devices the vdpa tool can create devices on"
vdpa mgmtdev show
say "Creating a simulated vDPA NIC: vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 52:54:00:12:34:56"
vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 52:54:00:12:34:56
say "vdpa dev show vdpa0"
vdpa dev show vdpa0
say "vdpa dev config show vdpa0"
vdpa dev config show vdpa0
node=$(svq_vhost_dev vdpa0)
say "vhost_vdpa bound it: a VMM would open $node"
ls -l "$node"
say "Deleting the device and unloading the modules"
svq_unload_stack
echo "    done"
