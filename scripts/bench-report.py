#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the consoles of `make bench` boots into ratio tables and a plot.

Each log holds the lines xen_dma_bench.ko printed:

  XEN_DMA_BENCH-START <label> <device> dma_ops=... max_mapping_size=N cpus=N ms=N
  XEN_DMA_BENCH <label> <op> <size> <dir> <threads> <ns/op|-> <ops> <failed>

The first label of a boot is the kernel's own ops; every other label is
compared with it, as a ratio of nanoseconds per operation (below 1: faster).
The tables replace the part of the RST file between the two marker lines,
so the rest of the page stays as written.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys
import tempfile

BEGIN = ".. BEGIN make bench (generated; do not edit by hand)"
END = ".. END make bench"

TITLES = {
    "pv-bench": "x86 PV dom0",
    "pv-bench-force": "x86 PV dom0 booted with swiotlb=force",
    "pvh-bench": "x86 PVH dom0 with VT-d",
    "arm-bench": "Arm64 dom0 (1:1)",
    "arm-bench-force": "Arm64 dom0 (1:1) booted with swiotlb=force",
}

STACKS = ("deb13-", "newest-")


def title_of(name):
    """What a boot was, from its log's name: [<stack>-]<case>."""
    for s in STACKS:
        if name.startswith(s):
            return "%s (%s stack)" % (TITLES.get(name[len(s):], name), s[:-1])
    return TITLES.get(name, name)


# The rows of each table: (op, dir) pairs, in this order.
ROWS = [("map", "bidi"), ("map", "to"), ("map", "from"), ("sg", "to"),
        ("sg", "from"), ("sync", "bidi"), ("memcpy", "to")]


def human(size):
    size = int(size)
    if size >= 1 << 20:
        return "%d MiB" % (size >> 20)
    if size >= 1 << 10:
        return "%d KiB" % (size >> 10)
    return "%d B" % size


def parse(path):
    boot = {"labels": [], "ns": {}, "start": {}, "kernel": "?", "xen": "?"}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.replace("\r", "").strip()
            m = re.search(r"kernel (\S+), cmdline", line)
            if m:
                boot["kernel"] = m.group(1)
            m = re.search(r"Xen(?:-| version )(4\.\d+[\.\d]*)", line)
            if m:
                boot["xen"] = m.group(1)
            if line.startswith("XEN_DMA_BENCH-START "):
                f_ = line.split()
                label = f_[1]
                boot["start"][label] = " ".join(f_[2:])
                if label not in boot["labels"]:
                    boot["labels"].append(label)
            elif line.startswith("XEN_DMA_BENCH "):
                f_ = line.split()
                if len(f_) != 9:
                    continue
                _, label, op, size, d, threads, ns, ops, failed = f_
                key = (op, int(size), d, int(threads))
                boot["ns"].setdefault(label, {})[key] = (
                    None if ns == "-" else int(ns))
    return boot


def cell(ns, base):
    if ns is None:
        return "refused"
    if base is None or base == 0:
        return "%d" % ns
    return "%d (%.2f)" % (ns, ns / base)


def table(boot):
    labels = boot["labels"]
    base = labels[0]
    keys = sorted({k for lab in labels for k in boot["ns"].get(lab, {})},
                  key=lambda k: (k[3], ROWS.index((k[0], k[2]))
                                 if (k[0], k[2]) in ROWS else 99, k[1]))
    head = ["threads", "op", "dir", "size"] + labels
    rows = []
    for k in keys:
        op, size, d, threads = k
        if (op, d) not in ROWS:
            continue
        b = boot["ns"].get(base, {}).get(k)
        r = [str(threads), op, d, human(size)]
        for lab in labels:
            ns = boot["ns"].get(lab, {}).get(k, "absent")
            r.append("" if ns == "absent" else
                     cell(ns, b if lab != base else None))
        rows.append(r)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    sep = "  ".join("=" * w for w in widths)
    out = [sep, "  ".join(h.ljust(w) for h, w in zip(head, widths)), sep]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    out.append(sep)
    return out


def ratios(boot, label, pred):
    base = boot["labels"][0]
    got = []
    for k, ns in boot["ns"].get(label, {}).items():
        b = boot["ns"].get(base, {}).get(k)
        if ns is None or not b or not pred(k):
            continue
        got.append((ns / b, k))
    return got


def summary(name, boot):
    """One line per xen_dma label: the range of its ratios to the base."""
    out = []
    for lab in boot["labels"][1:]:
        dma = ratios(boot, lab, lambda k: k[0] != "memcpy")
        if not dma:
            continue
        lo, hi = min(dma), max(dma)
        out.append("* %s / %s: %.2f to %.2f over %d cases (worst: %s %s %s, %d thread%s)"
                   % (lab, boot["labels"][0], lo[0], hi[0], len(dma), hi[1][0],
                      human(hi[1][1]), hi[1][2], hi[1][3],
                      "" if hi[1][3] == 1 else "s"))
    return out


def plot(boots, png):
    panels = [(n, b) for n, b in boots if b["labels"]]
    if not panels:
        return False
    tmp = tempfile.mkdtemp()
    script = ["set terminal pngcairo noenhanced size 1200,%d font ',9'" % (330 * ((len(panels) + 1) // 2)),
              "set output '%s'" % png,
              "set multiplot layout %d,2" % ((len(panels) + 1) // 2),
              "set logscale xy", "set grid", "set key top left",
              "set xlabel 'mapping size (bytes)'",
              "set ylabel 'ns per map+unmap, 1 thread'"]
    for name, boot in panels:
        plots = []
        for i, lab in enumerate(boot["labels"]):
            data = os.path.join(tmp, "%s-%d.dat" % (name, i))
            with open(data, "w") as f:
                for (op, size, d, threads), ns in sorted(boot["ns"][lab].items(),
                                                          key=lambda x: x[0][1]):
                    if op == "map" and d == "bidi" and threads == 1 and ns:
                        f.write("%d %d\n" % (size, ns))
            plots.append("'%s' using 1:2 with linespoints title '%s'" % (data, lab))
        script.append("set title '%s, Linux %s'" % (title_of(name), boot["kernel"]))
        script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    try:
        subprocess.run(["gnuplot"], input="\n".join(script), text=True,
                       check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench-report: no plot: %s" % e, file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rst", required=True)
    ap.add_argument("--png")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()

    boots = []
    for path in args.logs:
        # dom0-[<stack>-]<case>.log: no stack for Debian 12's
        name = os.path.basename(path)[len("dom0-"):-len(".log")]
        if os.path.exists(path):
            boots.append((name, parse(path)))
    lines = [BEGIN, "",
             "Produced by ``%s`` on %s. Nanoseconds per operation, each"
             % (args.command, datetime.date.today().isoformat()),
             "xen_dma column with its ratio to the kernel's own ops (first column)",
             "of the same boot in brackets: below 1.00 is faster. ``map`` is",
             "``dma_map_single()`` + ``dma_unmap_single()``; ``sg`` is",
             "``dma_map_sg()`` + ``dma_unmap_sg()`` of 8 entries of 4 KiB;",
             "``sync`` is ``dma_sync_single_for_cpu()`` + ``_for_device()`` on",
             "a live mapping; ``memcpy`` is the copy a bounce makes. ``refused``:",
             "the ops cannot map that size. Threads: 1, and one per vCPU, each",
             "bound to its CPU.", ""]
    for name, boot in boots:
        if not boot["labels"]:
            lines += ["%s: no numbers (see the log of dom0-%s)" % (name, name), ""]
            continue
        title = "%s (``%s``): Xen %s, Linux %s" % (
            title_of(name), name, boot["xen"], boot["kernel"])
        lines += [title, "-" * len(title), ""]
        for lab in boot["labels"]:
            lines.append("* ``%s``: %s" % (lab, boot["start"].get(lab, "")))
        lines.append("")
        lines += summary(name, boot)
        lines.append("")
        lines += table(boot)
        lines.append("")
    if args.png and plot(boots, args.png):
        lines += [".. image:: bench.png", "   :alt: ns per map+unmap against size, per boot", ""]
    lines.append(END)

    try:
        with open(args.rst) as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + "\n".join(lines) + tail
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    with open(args.rst, "w") as f:
        f.write(text)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
