#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes (once; cached) a Debian 13 build root: the kernels of Debian 13 and
# of trixie-backports are built with gcc 14 and their modpost needs glibc
# 2.38, neither of which Debian 12 has. debootstrap (minbase) plus make, gcc,
# the arm64 cross compiler and perl (W=1 runs kernel-doc). Its apt state is
# its own: the host's sources are never touched. Prints the root's path.
#
# usage: debian13-root.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

root=$XEN_DMA_CACHE/debian13-root
mirror=${XEN_DMA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
stamp=$root/.xen-dma-ready

[ "$(id -u)" = 0 ] || die "needs root for debootstrap and chroot (or a filled cache in $root)"
if [ ! -e "$stamp" ]; then
	command -v debootstrap >/dev/null ||
		{ log "installing debootstrap"; apt-get install -y -qq debootstrap >/dev/null; }
	# A root left half-made: never delete through a live /proc mount.
	umount "$root/proc" 2>/dev/null || true
	rm -rf --one-file-system "$root"
	log "making the Debian 13 build root in $root"
	debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.log" 2>&1 ||
		{ tail -n 5 "$root.log" >&2; die "debootstrap trixie failed (log: $root.log)"; }
	echo "deb $mirror trixie-backports main" >"$root/etc/apt/sources.list.d/backports.list"
	in_root "$root" dpkg --add-architecture arm64
	if ! in_root "$root" sh -c 'export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends \
			make gcc libc6-dev gcc-aarch64-linux-gnu perl' >>"$root.log" 2>&1; then
		tail -n 5 "$root.log" >&2
		die "installing the build tools in $root failed (log: $root.log)"
	fi
	touch "$stamp"
fi
echo "$root"
