#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian package vhost-vdpa-svq-dkms (arch all), built in a
# temporary copy of the tree's files (tracked and untracked, not ignored)
# that the package needs, checked with lintian, written to build/deb/.
# The version is debian/changelog's (the only place it is kept).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/deb

pkgs=(dpkg-dev debhelper dh-dkms lintian)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "Missing Debian packages. Install them with:" >&2
		echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	echo "make-deb.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/vhost-vdpa-svq-$version
mkdir "$src"

# What the package is made of; nothing built or ignored comes along.
git -C "$repo" ls-files -co --exclude-standard -- \
	debian Kbuild drivers/vdpa/svq include patches tools/dkms |
	while read -r f; do [ -e "$repo/$f" ] && printf '%s\n' "$f"; done |
	tar -C "$repo" -cf - --no-recursion -T - | tar -C "$src" -xf -

(cd "$src" && dpkg-buildpackage -b -us -uc) > "$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2
	echo "make-deb.sh: dpkg-buildpackage failed" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$out"
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$tmp/build.log" "$out"/
echo "# lintian"
lintian --fail-on error,warning --info "$out"/*.changes
ls -l "$out"/*.deb
