# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The one reader of the case table (tests/dom0/cases), sourced on the host
# (scripts/common.sh, bash) and inside the dom0s (tests/dom0/lib.sh, busybox
# ash), so both read it the same way. The table's own "# case ..." line
# names its columns; no caller knows their positions.
#
# XEN_DMA_CASES: the table's path (set by the sourcer).

# case_get CASE COLUMN: that column of CASE's line ("parameters": every
# word from there to the end of the line, space-separated); CASE "*": the
# column of every case, one line each, in the table's order. Prints nothing
# for an unknown case; fails, saying so, for an unknown column.
case_get() {
	awk -v c="$1" -v col="$2" '
		!n && /^# case[ \t]/ {
			for (i = 2; i <= NF; i++)
				if ($i == col)
					n = i - 1
			if (!n) {
				print "case_get: the case table has no column \"" col "\"" > "/dev/stderr"
				bad = 1
				exit 1
			}
			next
		}
		/^#/ || NF == 0 { next }
		c == "*" || $1 == c {
			v = $n
			if (col == "parameters")
				for (i = n + 1; i <= NF; i++)
					v = v " " $i
			print v
			if (c != "*")
				exit
		}
		END { if (!n && !bad) { print "case_get: no column header in " FILENAME > "/dev/stderr"; exit 1 } }
	' "$XEN_DMA_CASES"
}
