#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian 12 packages a job needs, or, when that is not possible
# (not root, no apt), names them and fails before anything half-runs.
#
# usage: install-deps.sh test|ksrc-6.1|modules|bench|demo
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

# Linux 6.1's source only for the KUnit jobs on 6.1 (make test-all).
pkgs_ksrc61="linux-source-6.1 xz-utils"
pkgs_test="build-essential bc bison flex libelf-dev libssl-dev
	ccache cpio kmod rsync xz-utils python3 qemu-system-x86 qemu-system-arm
	gcc-aarch64-linux-gnu sparse shellcheck git debootstrap python3-docutils patch
	e2fsprogs"
pkgs_modules="build-essential bc bison flex libelf-dev libssl-dev kmod rsync
	xz-utils gcc-aarch64-linux-gnu"
# Debian 13's stack is fetched and built in a debootstrap'ed root.
pkgs_demo="$pkgs_modules cpio qemu-system-x86 qemu-system-arm python3 debootstrap
	patch"
pkgs_bench="$pkgs_demo gnuplot-nox"

case "${1:-}" in
test)		want=$pkgs_test ;;
ksrc-6.1)	want=$pkgs_ksrc61 ;;
modules)	want=$pkgs_modules ;;
bench)		want=$pkgs_bench ;;
demo)		want=$pkgs_demo ;;
*)		die "usage: $0 test|ksrc-6.1|modules|bench|demo" ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	die "missing packages:$missing
  install them as root: apt-get install$missing"
fi
log "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
stamp=$XEN_DMA_CACHE/.apt-updated
mkdir -p "$XEN_DMA_CACHE"
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720)" ]; then
	apt-get update -qq && touch "$stamp"
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
