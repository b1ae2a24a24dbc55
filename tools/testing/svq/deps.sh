#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the build and the tests need (or, with
# arguments, those packages): as root with apt-get, otherwise print the
# command and fail.
#
# Usage: deps.sh [PACKAGE...]
set -euo pipefail

pkgs=(
	linux-source-6.12	# the kernel tree (patches/ apply to it)
	linux-source-6.1 linux-headers-amd64	# patches/6.1 build check (6.1 headers)
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod
	xz-utils patch ccache perl python3
	sparse coccinelle ocaml-nox	# static analysis gates (ocaml: coccicheck scripts)
	python3-docutils	# the reStructuredText gate on Documentation/
	clang libclang-rt-14-dev	# libFuzzer + ASan for the relay core
	qemu-system-x86		# the test VM (TCG) and QEMU 7.2 for migration
	iproute2		# the vdpa tool
	busybox-static		# initramfs of nested guests
)

[ $# -gt 0 ] && pkgs=("$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "Missing Debian packages. Install them with:" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
