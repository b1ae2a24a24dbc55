# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers of stock-kernel.sh and stock-kernel-6.12.sh, which
# source this file after defining log() and die().

# drop_stale KEEP DIR...: remove each DIR other than KEEP that was left
# unused for two days (as kernel.sh does with its trees)
drop_stale()
{
	local keep=$1 old

	shift
	for old in "$@"; do
		if [ -d "$old" ] && [ "$old" != "$keep" ] &&
		   [ -n "$(find "$old" -maxdepth 0 -mtime +2)" ]; then
			log "removing stale $old"
			rm -rf "$old"
		fi
	done
}

# initramfs_head BUSYBOX INIT MODULE-LIST: the fixed part of the
# initramfs list for gen_init_cpio: device nodes, directories, BUSYBOX as
# /bin/sh, INIT (stock-init) as /init and MODULE-LIST as /etc/modules
# (the modules to insmod, in order, from /lib/modules)
initramfs_head()
{
	local d

	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	for d in /bin /proc /sys /etc /lib /lib/modules /newroot; do
		echo "dir $d 755 0 0"
	done
	echo "file /bin/busybox $1 755 0 0"
	echo "slink /bin/sh busybox 777 0 0"
	echo "file /init $2 755 0 0"
	echo "file /etc/modules $3 644 0 0"
}

# take_modules SRC DEST KVER MODULE...: copy the modules built in SRC to
# DEST without debug info, as modules_install INSTALL_MOD_STRIP=1 would
# (Debian's headers build with it: 0.5-0.7 MB a module otherwise); each
# MODULE must be there, built for KVER
take_modules()
{
	local src=$1 dest=$2 kver=$3 m

	shift 3
	mkdir -p "$dest"
	find "$src" -name '*.ko' -exec cp {} "$dest/" \;
	strip --strip-debug "$dest"/*.ko
	for m in "$@"; do
		[ -f "$dest/$m.ko" ] || die "$m.ko was not built"
		[ "$(modinfo -F vermagic "$dest/$m.ko" | cut -d' ' -f1)" = "$kver" ] ||
			die "$m.ko: wrong vermagic"
	done
}

# static_busybox: the path of a static busybox, or die
static_busybox()
{
	local busybox

	busybox=$(command -v busybox) || die "no busybox (busybox-static)"
	readelf -l "$busybox" | grep -q 'program interpreter' &&
		die "$busybox is not static: install busybox-static"
	echo "$busybox"
}
