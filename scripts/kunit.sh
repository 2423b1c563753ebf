#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds a kernel with the xen-dma KUnit suites for one architecture, boots it
# under QEMU through kunit.py and writes one "suite passed failed skipped"
# line per expected suite to RESULTS (default: stdout).
#
# usage: kunit.sh [SERIES-]x86_64|arm64 [RESULTS]
#   SERIES: the kernel, 6.1 (default), 6.12 or newest (prepare-ksrc.sh);
#   lines are named kunit-ARCH:SUITE for 6.1, kunit-SERIES-ARCH:SUITE
#   otherwise
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

label=${1:-}
arch=${label##*-}
series=6.1
[ "$label" = "$arch" ] || series=${label%-*}
results=${2:-/dev/stdout}
case "$arch" in
x86_64)	cross=() ; cc=gcc ;;
arm64)	cross=(--cross_compile=aarch64-linux-gnu-) ; cc=aarch64-linux-gnu-gcc ;;
*)	die "usage: $0 [SERIES-]x86_64|arm64 [RESULTS]" ;;
esac
XEN_DMA_KSRC=$("$XEN_DMA_TOP/scripts/prepare-ksrc.sh" "$series")

build_dir=$XEN_DMA_CACHE/kunit-$label
logs=$XEN_DMA_CACHE/logs
mkdir -p "$logs"
json=$logs/kunit-$label.json
log=$logs/kunit-$label.log
rm -f "$json"

export CCACHE_DIR=${CCACHE_DIR:-$XEN_DMA_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# The tree sits at one fixed path, so every clone shares the cache entries.
export CCACHE_BASEDIR=$XEN_DMA_KSRC

# The kunitconfig switches off what the suites do not need; an option this
# series does not have cannot be switched off (kunit.py refuses a
# "is not set" it cannot find), so such lines are left out here.
kunitconfig=$build_dir.kunitconfig
mkdir -p "$(dirname "$kunitconfig")"
known=$(find "$XEN_DMA_KSRC" -name 'Kconfig*' -not -path '*/drivers/xen/xen-dma/*' \
	-exec sed -n 's/^\(menu\)\?config \([A-Z0-9_]*\).*/\2/p' {} + | sort -u)
while IFS= read -r line; do
	sym=$(sed -n 's/^# CONFIG_\([A-Z0-9_]*\) is not set$/\1/p' <<<"$line")
	[ -z "$sym" ] || grep -qxF "$sym" <<<"$known" || continue
	echo "$line"
done <"$XEN_DMA_TOP/tests/kunit/$arch.kunitconfig" >"$kunitconfig"

log "kunit $label (Linux $series): building in $build_dir, log in $log"
start=$SECONDS
set +e
# One kernel build or QEMU boot at a time on this machine: take the lock.
# QEMU under TCG, as every boot here: kunit.py asks for KVM first (from
# Linux 6.3), and these machines have a /dev/kvm whose CPU lacks even SSE3:
# Linux 7.3 stops there before its console starts (it boots under TCG).
# A private mount namespace hides /dev/kvm from kunit.py's QEMU.
hide_kvm=()
[ -e /dev/kvm ] && hide_kvm=(unshare --mount sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh)
# make test JOBS="..." must not reach the kernel's make (see modules-debian.sh).
(cd "$XEN_DMA_KSRC" && flock "$XEN_DMA_LOCK" "${hide_kvm[@]}" env -u JOBS python3 tools/testing/kunit/kunit.py run \
	--arch="$arch" "${cross[@]}" \
	--kunitconfig="$kunitconfig" \
	--build_dir="$build_dir" --jobs="$(nproc)" \
	--make_options "CC=ccache $cc" \
	--qemu_args="-smp 2" --timeout=900 \
	--json="$json") >"$log" 2>&1
rc=$?
set -e
# kunit.py's own summary of each test, without the build chatter.
sed -n '/=====.*\[/,$p' "$log" | grep -v '^\[.*\] *$' || true
log "kunit $label: kunit.py exited $rc after $((SECONDS - start)) s"
# A build that failed says why here, not only in the log.
if [ "$rc" != 0 ] && ! grep -q '=====.*\[' "$log"; then
	grep -E 'error:|Error [0-9]|ERROR:' "$log" | head -n 20 >&2 || true
fi

python3 "$XEN_DMA_TOP/scripts/kunit-results.py" "$label" "$json" \
	"$XEN_DMA_TOP"/tests/kunit/*.c >>"$results"
