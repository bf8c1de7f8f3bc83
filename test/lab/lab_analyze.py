#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""lab_analyze.py MOVES PING [--table]: per-handover interruption and its parts.

MOVES: one line per move, "label plug_us attach_us done_us inforce_us trigger" (times in µs
of CLOCK_REALTIME: plug = the script moved the MN's link, attach = the new MAAR's "attached"
event, done = its "handover_done", inforce = "in force on every worker after N us"; "-" when
missing). PING: `ping -D` output of the MN (reply receive times).

Prints one line per move: "label lost gap_ms detect_ms signal_ms install_us trigger" where
gap = first reply after the plug - last reply before it, lost = echo requests without reply
in between; then, with --table, median and worst of each column. Stdlib only.
"""
import re
import statistics
import sys


def num(x):
    try:
        return int(x)
    except ValueError:
        return None


def main():
    moves = []
    for ln in open(sys.argv[1]):
        f = ln.split()
        if len(f) >= 6:
            moves.append((f[0], num(f[1]), num(f[2]), num(f[3]), num(f[4]), f[5]))
    replies = []  # (t_us, seq)
    pat = re.compile(r"^\[(\d+)\.(\d+)\].*icmp_seq=(\d+)")
    for ln in open(sys.argv[2]):
        m = pat.match(ln)
        if m:
            replies.append((int(m.group(1)) * 1000000 + int(m.group(2).ljust(6, "0")[:6]), int(m.group(3))))
    replies.sort()
    rows = []
    for label, plug, att, done, inf, trig in moves:
        before = [r for r in replies if r[0] <= plug]
        after = [r for r in replies if r[0] > plug]
        if before and after:
            lost = max(0, after[0][1] - before[-1][1] - 1)
            gap = (after[0][0] - before[-1][0]) / 1000.0
        else:
            lost, gap = None, None
        det = (att - plug) / 1000.0 if att and plug else None
        sig = (done - att) / 1000.0 if done and att else None
        rows.append((label, lost, gap, det, sig, inf, trig))
        print("%s lost=%s gap_ms=%s detect_ms=%s signal_ms=%s install_us=%s trigger=%s" % (
            label, lost, "-" if gap is None else "%.1f" % gap, "-" if det is None else "%.1f" % det,
            "-" if sig is None else "%.2f" % sig, "-" if inf is None else inf, trig))
    if "--table" in sys.argv:
        def stat(i, fmt):
            v = [r[i] for r in rows if r[i] is not None]
            if not v:
                return "-", "-"
            return fmt % statistics.median(v), fmt % max(v)
        cols = [("ping gap (ms)", 2, "%.1f"), ("lost pings", 1, "%.1f"), ("detection (ms)", 3, "%.1f"),
                ("signalling (ms)", 4, "%.2f"), ("table install (us)", 5, "%.0f")]
        print("summary over %d moves:" % len(rows))
        for name, i, fmt in cols:
            med, worst = stat(i, fmt)
            print("  %-20s median %8s  worst %8s" % (name, med, worst))
        trig = {}
        for r in rows:
            trig[r[6]] = trig.get(r[6], 0) + 1
        print("  detection trigger:  " + ", ".join("%s %d" % kv for kv in sorted(trig.items())))


if __name__ == "__main__":
    main()
