#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An upper device's MAC is the lower device's: "vdpa dev add ... mac" with
# a zero or a multicast address is refused (non-zero exit), and the lower
# device keeps its MAC; a unicast one is taken.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"

lower=maclower0
upper=macsvq0
lower_mac=52:54:00:12:34:57
trap 'vdpa dev del $lower 2>/dev/null' EXIT
vdpa dev del "$lower" 2>/dev/null || true
vdpa dev add name "$lower" mgmtdev vdpasim_net mac "$lower_mac"
svq_bind "$lower" vhost_vdpa_svq
for _ in $(seq 50); do
	vdpa mgmtdev show "vdpa/$lower" > /dev/null 2>&1 && break
	sleep 0.1
done

lower_config() { vdpa dev config show "$lower"; }
before=$(lower_config)
echo "lower device before: $before"
echo "$before" | grep -q "mac $lower_mac"

rc=0
for bad in 00:00:00:00:00:00 01:00:5e:00:00:01; do
	if vdpa dev add name "$upper" mgmtdev "vdpa/$lower" mac "$bad"; then
		echo "FAIL: vdpa dev add with mac $bad succeeded"
		vdpa dev del "$upper" 2>/dev/null || true
		rc=1
	else
		echo "ok: mac $bad refused"
	fi
	after=$(lower_config)
	if [ "$after" != "$before" ]; then
		echo "FAIL: mac $bad changed the lower device's config: $after"
		rc=1
	fi
	if vdpa dev show "$upper" > /dev/null 2>&1; then
		echo "FAIL: $upper exists after mac $bad"
		vdpa dev del "$upper" 2>/dev/null || true
		rc=1
	fi
done

# a unicast MAC is taken, and becomes the lower device's
vdpa dev add name "$upper" mgmtdev "vdpa/$lower" mac 52:54:00:aa:bb:cc
vdpa dev config show "$upper" | grep -q 'mac 52:54:00:aa:bb:cc'
lower_config | grep -q 'mac 52:54:00:aa:bb:cc'
echo "ok: unicast mac taken"
vdpa dev del "$lower"
trap - EXIT
exit "$rc"
