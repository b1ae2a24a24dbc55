#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A lower device that maps with dma_map/dma_unmap instead of set_map:
# vdpa_sim with batch_mapping=0. The upper device forwards the driver's
# mappings one at a time and maps each shadow ring as two mappings
# (descriptor table and available ring read-only, used ring writable).
# Traffic in passthrough and shadow mode, rings of 64 and 256 entries
# (also rings the driver polls), stop and restart, and the dirty log
# (exact, and harvested during traffic). The stack is reloaded as usual
# afterwards.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
selftests=$SVQ_REPO/tools/testing/selftests/vhost_vdpa_svq

trap 'svq_unload_stack; svq_load_stack' EXIT
svq_unload_stack
modprobe vdpa_sim use_va=0 max_iotlb_entries=1048576 batch_mapping=0
modprobe vdpa_sim_net
modprobe vhost_vdpa max_iotlb_entries=1048576
modprobe vhost_vdpa_svq
grep -qx 0 /sys/module/vdpa_sim/parameters/batch_mapping

"$selftests/vhost_vdpa_traffic_test" -t loopback_frames_verified \
	-t stop_and_restart_keeps_working -t polled_rings_frames_verified
"$selftests/vhost_vdpa_svq_dirty_test" -t log_matches_written_pages \
	-t log_harvested_during_traffic
