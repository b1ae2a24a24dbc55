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

# the packaging tools, installed like the test bench's dependencies
"$repo/tools/testing/svq/deps.sh" dpkg-dev debhelper dh-dkms lintian

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
