#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Style and static checks: checkpatch.pl --strict on every source file, the
# scripts through ShellCheck, the documentation through docutils (as a
# reader's renderer sees it), and sparse (C=2) on the objects in the newest
# kernel's x86_64 KUnit build tree (make test's one KUnit kernel). Writes one
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
# checkpatch.pl and sparse from the newest kernel's tree.
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

build=$XEN_DMA_CACHE/kunit-newest-x86_64
if [ ! -e "$build/.config" ]; then
	log "sparse: no x86_64 KUnit build in $build; run kunit-newest-x86_64 first"
	verdict sparse 1
	exit 0
fi
log "sparse (C=2) on drivers/xen/xen-dma in $build"
status=0
make -s -C "$XEN_DMA_KSRC" O="$build" ARCH=x86_64 C=2 CC="ccache gcc" \
	drivers/xen/xen-dma/ >"$logs/sparse.log" 2>&1 || status=1
# Drop the known rbtree.h report and the notes that only introduce it.
if grep -v -e 'include/linux/rbtree.h:' -e ': note: in included file' \
	"$logs/sparse.log" | grep -q -e 'error:' -e 'warning:'; then
	status=1
fi
grep -v -e 'include/linux/rbtree.h:' -e ': note: in included file' \
	"$logs/sparse.log" >&2 || true
verdict sparse "$status"
