#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vdpa tool manages vdpa_sim_net devices on the test kernel: add with
# a MAC, show, config show, a vhost-vdpa character device appears, delete.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"

vdpa mgmtdev show | tee /dev/stderr | grep -q '^vdpasim_net:'
vdpa dev add name scen0 mgmtdev vdpasim_net mac 52:54:00:12:34:56
trap 'vdpa dev del scen0 2>/dev/null' EXIT
vdpa dev show scen0 | tee /dev/stderr | grep -q 'type network mgmtdev vdpasim_net'
vdpa dev config show scen0 | tee /dev/stderr | grep -q 'mac 52:54:00:12:34:56'
node=$(svq_vhost_dev scen0)
echo "vhost-vdpa node: $node"
basename "$(readlink /sys/bus/vdpa/devices/scen0/driver)" | grep -qx vhost_vdpa
vdpa dev del scen0
trap - EXIT
! vdpa dev show scen0 2>/dev/null
