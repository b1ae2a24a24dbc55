# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers of stock-kernel.sh and stock-kernel-6.12.sh, which
# source this file after defining log().

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
