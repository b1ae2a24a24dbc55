#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's unmodified QEMU 7.2 opens the upper device with
# -netdev vhost-vdpa and may migrate (the device offers VHOST_F_LOG_ALL),
# while on vdpa_sim_net directly QEMU blocks migration ("vhost lacks
# VHOST_F_LOG_ALL"). No guest driver runs: the firmware halts at once.
set -eu
. "$SVQ_REPO/tools/testing/svq/lib.sh"
qmp=$SVQ_REPO/tools/testing/svq/qemu/qmp.py
work=$(mktemp -d)
ulimit -l unlimited

# A 64 KiB firmware whose reset vector halts: cli; hlt; jmp back.
python3 -c 'import sys; sys.stdout.buffer.write(b"\0" * 65520 + b"\xfa\xf4\xeb\xfd" + b"\0" * 12)' > "$work/halt.bin"

# migrate_once DEV: start QEMU on DEV's vhost-vdpa node, migrate to a pipe,
# print the final migration status (or the error).
migrate_once()
{
	local node sock=$work/qmp.sock status i pid
	node=$(svq_vhost_dev "$1")
	qemu-system-x86_64 -accel tcg -m 128 -nodefaults -display none -bios "$work/halt.bin" \
		-netdev vhost-vdpa,vhostdev="$node",id=n0 \
		-device virtio-net-pci,netdev=n0,romfile= \
		-qmp unix:"$sock",server=on,wait=off -daemonize -pidfile "$work/pid" \
		2> "$work/qemu.err" || { cat "$work/qemu.err"; return 1; }
	pid=$(cat "$work/pid")
	for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	if ! python3 "$qmp" "$sock" migrate '{"uri": "exec:cat > /dev/null"}' > "$work/migrate.json"; then
		status="refused: $(python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["desc"])' < "$work/migrate.json")"
	else
		for i in $(seq 300); do
			status=$(python3 "$qmp" "$sock" query-migrate | python3 -c 'import json,sys; print(json.load(sys.stdin)["return"].get("status"))')
			case "$status" in completed|failed|cancelled) break ;; esac
			sleep 0.1
		done
	fi
	python3 "$qmp" "$sock" quit > /dev/null || true
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	echo "$status"
}

vdpa dev add name qsim0 mgmtdev vdpasim_net
direct=$(migrate_once qsim0)
echo "QEMU 7.2 on vdpa_sim_net directly: $direct"
vdpa dev del qsim0

svq_stack qlower0 qsvq0
stacked=$(migrate_once qsvq0)
echo "QEMU 7.2 on the shadow device:     $stacked"
vdpa dev del qlower0
rm -rf "$work"

case "$direct" in refused:*LOG_ALL*) ;; *) echo "expected a LOG_ALL blocker"; exit 1 ;; esac
[ "$stacked" = completed ]
