#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test-bench kernel under TCG and run one command inside.
#
# Usage: vm-run.sh [options] -- command [args...]
#   --kernel DIR     built kernel tree (default: kernel.sh's tree)
#   --stock 6.1      boot Debian 12's unmodified 6.1 kernel instead
#                    (stock-kernel.sh's image, initramfs and out-of-tree
#                    vDPA modules; see below)
#   --stock 6.12     boot Debian 12's unmodified 6.12 kernel instead
#                    (the installed linux-image-6.12.118+deb12-amd64, with
#                    stock-kernel-6.12.sh's initramfs, vdpa_sim modules and
#                    DKMS-built vhost_vdpa.ko and vhost_vdpa_svq.ko)
#   --timeout SECS   kill the VM after SECS seconds (default 600)
#   --mem SIZE       guest memory (default 2G)
#   --smp N          guest CPUs (default 2)
#   --module KO      load-able module to install in the guest's
#                    /lib/modules/*/extra (repeatable)
#   --out DIR        keep the guest's output directory ($SVQ_OUT) here
#   --iommu          a q35 machine with an emulated Intel IOMMU and two
#                    virtio-net-pci NICs behind it (iommu_platform=on,
#                    modern only, at 0000:00:10.0 and 0000:00:11.0) for
#                    vp_vdpa: each sends its frames to a datagram socket
#                    that is also the one it receives from, so every frame
#                    comes back, as vdpa_sim_net loops them back
#   --pcap           with --iommu: record the first 64 bytes of every frame
#                    each NIC sends to its socket and takes from it, in
#                    nic<N>-sent.pcap and nic<N>-received.pcap of the
#                    output directory (QEMU's filter-dump on the NIC's
#                    netdev: a frame left in the socket when the NIC stops
#                    is in the first file only)
#
# The host root is shared read-only over 9p; /tmp, /run, /var/tmp and
# /lib/modules are tmpfs in the guest. The command runs as root in the
# current directory with the current environment's PATH; its stdout and
# stderr come out on this script's stdout, its exit status becomes this
# script's (124 on timeout, 125 when the VM died before reporting one).
# SVQ_QEMU101_DIR names QEMU 10.1's build (qemu/build-qemu101.sh) in the
# host's cache, built or not: the scenarios that need it look there.
#
# With --stock, the guest's /lib/modules/6.1.0-57-amd64 is a tmpfs holding
# the unpacked image's modules (kernel/, a link into stock-kernel.sh's
# directory), stock-kernel.sh's out-of-tree vDPA modules and the --module
# ones in extra/ (a --module of the same name replaces one of those), and
# the host's /lib/modules/6.1.0-57-amd64/updates/ (DKMS builds) if any;
# depmod runs here on the host, not over 9p in the guest.
#
# With --stock 6.12, the guest's /lib/modules/6.12.118+deb12-amd64 is a
# tmpfs holding kernel/, a link to the host's /lib/modules/KVER/kernel (the
# installed image's own modules, seen through the guest's /run/hostroot),
# stock-kernel-6.12.sh's DKMS build in updates/dkms/ (where DKMS installs
# it: depmod prefers updates/ to kernel/, so vhost_vdpa is the DKMS one),
# its vringh, vdpa_sim and vdpa_sim_net and the --module ones in extra/.
# The host's own updates/ is left out: the modules tested are this tree's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kdir='' timeout=600 mem=2G smp=2 out=''
stock='' iommu=0 pcap=0
modules=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kdir=$2; shift 2 ;;
	--stock) stock=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--module) modules+=("$(realpath "$2")"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	--iommu) iommu=1; shift ;;
	--pcap) pcap=1; shift ;;
	--) shift; break ;;
	*) echo "vm-run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: vm-run.sh [options] -- command" >&2; exit 2; }
qemu_stock=()
if [ -n "$stock" ]; then
	[ -z "$kdir" ] || { echo "vm-run.sh: --kernel and --stock exclude each other" >&2; exit 2; }
	case "$stock" in
	6.1)
		skver=6.1.0-57-amd64
		kdir=$("$here/stock-kernel.sh" --print-dir)
		bzimage=$kdir/root/boot/vmlinuz-$skver ;;
	6.12)
		skver=6.12.118+deb12-amd64
		kdir=$("$here/stock-kernel-6.12.sh" --print-dir)
		ddir=$("$here/stock-kernel-6.12.sh" --print-dkms-dir)
		[ -f "$ddir/.svq-built" ] ||
			{ echo "vm-run.sh: no DKMS build in $ddir (run stock-kernel-6.12.sh)" >&2; exit 2; }
		bzimage=/boot/vmlinuz-$skver ;;
	*) echo "vm-run.sh: --stock: 6.1 or 6.12" >&2; exit 2 ;;
	esac
	[ -f "$kdir/.svq-built" ] ||
		{ echo "vm-run.sh: no stock kernel in $kdir (run stock-kernel.sh or stock-kernel-6.12.sh)" >&2; exit 2; }
	qemu_stock=(-initrd "$kdir/initramfs.cpio")
else
	[ -n "$kdir" ] || kdir=$("$here/kernel.sh" --print-dir)
	bzimage=$kdir/arch/x86/boot/bzImage
	[ -f "$bzimage" ] || { echo "vm-run.sh: no kernel at $bzimage (run kernel.sh)" >&2; exit 2; }
fi

run=$(mktemp -d /tmp/svq-vm.XXXXXX)
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() { [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null; rm -rf "$run"; }
trap cleanup EXIT
mkdir -p "$run/out"
if [ "$stock" = 6.1 ]; then
	# The guest's module root, in the run directory (the guest sees it
	# as /run/svq/modroot).
	m=$run/modroot/lib/modules/$skver
	mkdir -p "$m/extra"
	ln -s "$kdir/root/lib/modules/$skver/kernel" "$m/kernel"
	cp "$kdir/root/lib/modules/$skver"/modules.{order,builtin,builtin.modinfo} "$m/"
	cp "$kdir"/extra/*.ko "$m/extra/"
	[ "${#modules[@]}" -eq 0 ] || cp "${modules[@]}" "$m/extra/"
	if [ -d "/lib/modules/$skver/updates" ]; then
		cp -rL "/lib/modules/$skver/updates" "$m/"
	fi
	depmod -b "$run/modroot" "$skver"
elif [ "$stock" = 6.12 ]; then
	m=$run/modroot/lib/modules/$skver
	mkdir -p "$m/extra" "$m/updates/dkms"
	ln -s "/lib/modules/$skver/kernel" "$m/kernel"
	cp "/lib/modules/$skver"/modules.{order,builtin,builtin.modinfo} "$m/"
	cp "$ddir"/*.ko "$m/updates/dkms/"
	cp "$kdir"/extra/*.ko "$m/extra/"
	[ "${#modules[@]}" -eq 0 ] || cp "${modules[@]}" "$m/extra/"
	depmod -b "$run/modroot" "$skver"
	# modules.dep names kernel/...: in the guest, /lib/modules is the
	# tmpfs this becomes, and the host's is under /run/hostroot (vm-init)
	ln -sfn "/run/hostroot/lib/modules/$skver/kernel" "$m/kernel"
fi
{
	printf 'export PATH=%q\n' "$PATH"
	printf 'export SVQ_KDIR=%q\n' "$kdir"
	printf 'export SVQ_HOST_CWD=%q\n' "$PWD"
	if [ -n "$stock" ]; then
		printf 'export SVQ_MODROOT=/run/svq/modroot\n'
		printf 'export SVQ_STOCK=%q\n' "$skver"
	else
		printf 'export SVQ_MODROOT=%q\n' "$kdir/modroot"
	fi
	# QEMU 10.1's build (qemu/build-qemu101.sh), if the cache holds it
	q101=$("$here/qemu/build-qemu101.sh" --print-dir 2>/dev/null) &&
		printf 'export SVQ_QEMU101_DIR=%q\n' "$q101"
	for v in SVQ_SOAK_FRAMES SVQ_TRAFFIC_FRAMES SVQ_TRAFFIC_CMP_FRAMES SVQ_TRAFFIC_WINDOW; do
		if [ -n "${!v:-}" ]; then printf 'export %s=%q\n' "$v" "${!v}"; fi
	done
	printf 'SVQ_MODULES=('; printf '%q ' "${modules[@]}"; printf ')\n'
	printf 'SVQ_CMD=('; printf '%q ' "$@"; printf ')\n'
} > "$run/job"

# One socket per CPU: the kernel has no ACPI, so it finds the CPUs in
# SeaBIOS's MP table, which lists one CPU per socket; QEMU 7.2's "-smp 2"
# is one socket of two cores, and the guest brought up one CPU.
case "$smp" in *[!0-9]*) ;; *) smp="$smp,sockets=$smp" ;; esac

# Console goes to a file: the guest's command output is framed by markers
# so that kernel messages printed before and after it can be told apart.
# tsc=reliable: under TCG the guest's TSC follows the host's, while the
# jiffies the clocksource watchdog compares it with lag under load; the
# watchdog then switched to refined-jiffies (4 ms steps: the benchmarks'
# stream runs last about 0.2 s). tsc_early_khz: that TSC runs at the
# host's rate, which the host knows; the guest's own calibration against
# the PIT failed once under load, and the guest then had no TSC at all.
tsc_khz=$(awk '/^flags/ && / constant_tsc/ { c = 1 } /^cpu MHz/ && !m { m = $4 }
	       END { if (c && m) printf " tsc_early_khz=%d", m * 1000 }' /proc/cpuinfo)
# --iommu: the NICs' sockets are in the run directory (unix datagram
# sockets whose local and remote address are the same: what a NIC sends,
# it receives). No interrupt remapping: two CPUs need none.
qemu_iommu=()
if [ "$iommu" = 1 ]; then
	qemu_iommu=(-machine q35 -device "intel-iommu,intremap=off")
	for i in 0 1; do
		sock=$run/nic$i.sock
		qemu_iommu+=(-netdev "dgram,id=vpnic$i,local.type=unix,local.path=$sock,remote.type=unix,remote.path=$sock"
			     -device "virtio-net-pci,netdev=vpnic$i,iommu_platform=on,disable-legacy=on,addr=0x1$i,mac=52:54:00:5f:00:1$i")
		# a netdev filter's rx queue holds what the NIC sends, its tx
		# queue what the netdev passes to the NIC (net/filter.c)
		if [ "$pcap" = 1 ]; then
			qemu_iommu+=(-object "filter-dump,id=vpsent$i,netdev=vpnic$i,queue=rx,maxlen=64,file=$run/out/nic$i-sent.pcap"
				     -object "filter-dump,id=vprecv$i,netdev=vpnic$i,queue=tx,maxlen=64,file=$run/out/nic$i-received.pcap")
		fi
	done
fi
console=$run/console
set +e
timeout --foreground -k 5 "$timeout" \
	qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "$smp" \
	-nographic -no-reboot -nic none -display none \
	-serial "file:$console" -monitor none \
	"${qemu_iommu[@]}" -kernel "$bzimage" "${qemu_stock[@]}" \
	-append "console=ttyS0 rootfstype=9p root=svqroot rootflags=trans=virtio,version=9p2000.L,msize=1048576,cache=loose ro init=$here/vm-init${SVQ_VM_TRACE:+ SVQ_INIT_TRACE=1} panic=-1 oops=panic loglevel=4 tsc=reliable$tsc_khz svq.run=$run" \
	-fsdev local,id=svqroot,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=svqroot,mount_tag=svqroot \
	-fsdev local,id=svqrun,path="$run",security_model=none \
	-device virtio-9p-pci,fsdev=svqrun,mount_tag=svqrun \
	</dev/null >"$run/qemu.log" 2>&1
qrc=$?
set -e

# Print what the guest command wrote (between the markers), then the
# kernel log on failure.
sed -n '/=== SVQ-CMD-BEGIN ===/,/^=== SVQ-CMD-END/{/=== SVQ-CMD-/d;p}' "$console" | tr -d '\r'
rc=$(cat "$run/rc" 2>/dev/null || true)
[ -n "$out" ] && { mkdir -p "$out"; cp -a "$run/out/." "$out/"; cp "$console" "$out/console.log"; }
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm-run.sh: timeout after ${timeout}s; last console lines:" >&2
	tail -n 40 "$console" | tr -d '\r' >&2
	exit 124
fi
if [ -z "$rc" ]; then
	echo "vm-run.sh: the VM ended without an exit status (qemu rc $qrc); console tail:" >&2
	tail -n 60 "$console" | tr -d '\r' >&2
	cat "$run/qemu.log" >&2
	exit 125
fi
exit "$rc"
