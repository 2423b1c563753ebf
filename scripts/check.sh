#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Style and static checks: checkpatch.pl --strict on every source file, the
# scripts through ShellCheck, the documentation through docutils (as a
# reader's renderer sees it), and sparse (C=2): see below for where. Writes one
# "name passed failed skipped" line per check to RESULTS (default: stdout).
#
# sparse reports rb_link_node_rcu() in include/linux/rbtree.h for every user
# of rbtree_latch.h, the kernel's own kernel/module/tree_lookup.c included;
# that one header location is not ours to fix and is left out.
#
# usage: check.sh [RESULTS]
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

results=${1:-/dev/stdout}
logs=$XEN_DMA_CACHE/logs
mkdir -p "$logs"
cd "$XEN_DMA_TOP"
# checkpatch.pl from the newest kernel's tree: the newest rules.
XEN_DMA_KSRC=$("$XEN_DMA_TOP/scripts/prepare-ksrc.sh" newest)
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null ||
	find drivers include tests -name '*.[ch]')

verdict() {	# name, status
	if [ "$2" = 0 ]; then
		echo "check:$1 1 0 0" >>"$results"
	else
		echo "check:$1 0 1 0" >>"$results"
	fi
}

log "checkpatch --strict on ${#sources[@]} files"
status=0
compat=()
others=()
for f in "${sources[@]}"; do
	case "$f" in
	*/xen-dma-compat.[ch]) compat+=("$f") ;;
	*) others+=("$f") ;;
	esac
done
"$XEN_DMA_KSRC/scripts/checkpatch.pl" --strict --no-tree --terse -q \
	-f "${others[@]}" >"$logs/checkpatch.log" 2>&1 || status=1
# The compat files are the one place that tests kernel versions, which is
# what they are for; checkpatch's rule against it is for in-tree code.
if [ ${#compat[@]} -gt 0 ]; then
	"$XEN_DMA_KSRC/scripts/checkpatch.pl" --strict --no-tree --terse -q \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f "${compat[@]}" >>"$logs/checkpatch.log" 2>&1 || status=1
fi
cat "$logs/checkpatch.log" >&2
verdict checkpatch "$status"

mapfile -t scripts < <(git ls-files '*.sh' 2>/dev/null || find scripts tests -name '*.sh')
log "shellcheck on ${#scripts[@]} scripts"
status=0
shellcheck -x -S info "${scripts[@]}" >"$logs/shellcheck.log" 2>&1 || status=1
cat "$logs/shellcheck.log" >&2
verdict shellcheck "$status"

mapfile -t docs < <(git ls-files '*.rst' 2>/dev/null || find Documentation -name '*.rst')
log "docutils on ${#docs[@]} documents"
status=0
python3 "$XEN_DMA_TOP/scripts/rst-check.py" "${docs[@]}" >"$logs/rst.log" 2>&1 || status=1
cat "$logs/rst.log" >&2
verdict rst "$status"

# sparse (0.6.4, the newest Debian has) cannot read Linux 7.x's headers
# (__typeof_unqual__: the kernel's scripts/checker-valid.sh then turns it
# off), so it runs where it can: the module and the test modules built
# against Debian 12's headers, and, when a KUnit job built one (make
# test-all), every object of the 6.1 KUnit tree, the suites included.
# sparse_run NAME LOG MAKE-ARGS...: one sparse pass as check:NAME.
sparse_run() {
	local name=$1 logf=$2 status=0
	shift 2
	make -s "$@" C=2 >"$logf" 2>&1 || status=1
	# The rbtree.h report comes with every object that includes
	# rbtree_latch.h: without it, sparse did not run at all.
	if grep -q 'specified, but .* is not available or not up to date' "$logf" ||
	   ! grep -q 'include/linux/rbtree.h:' "$logf"; then
		log "sparse ($name): the kernel's make did not run sparse"
		status=1
	fi
	# Drop the known rbtree.h report and the notes that only introduce it.
	if grep -v -e 'include/linux/rbtree.h:' -e ': note: in included file' \
		"$logf" | grep -q -e 'error:' -e 'warning:' -e 'not available'; then
		status=1
	fi
	grep -v -e 'include/linux/rbtree.h:' -e ': note: in included file' \
		"$logf" >&2 || true
	verdict "$name" "$status"
}

read -r _ kdir < <("$XEN_DMA_TOP/scripts/debian-headers.sh" deb12 x86_64)
src=$XEN_DMA_CACHE/sparse-deb12/src
mkdir -p "$src"
# By content, not times (as modules-debian.sh): no object from another
# tree's copy is taken as up to date.
rsync -rlc --delete --exclude .git --exclude '*.o' --exclude '*.ko' --exclude '*.cmd' \
	--exclude '*.mod*' --exclude Module.symvers --exclude modules.order \
	"$XEN_DMA_TOP/" "$src/"
log "sparse (C=2) on the modules, against $(basename "$kdir")"
sparse_run sparse "$logs/sparse.log" -C "$kdir" M="$src" CONFIG_XEN_DMA=m \
	CONFIG_XEN_DMA_BENCH=m CONFIG_XEN_DMA_FRAGMENT=m modules

build=$XEN_DMA_CACHE/kunit-x86_64
if [ -e "$build/.config" ]; then
	ksrc=$("$XEN_DMA_TOP/scripts/prepare-ksrc.sh" 6.1)
	log "sparse (C=2) on drivers/xen/xen-dma in $build"
	sparse_run sparse-kunit-6.1 "$logs/sparse-kunit.log" -C "$ksrc" O="$build" \
		ARCH=x86_64 CC="ccache gcc" drivers/xen/xen-dma/
fi
