#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Collect the per-benchmark JSON results of bench/run.sh into bench.json,
a markdown table (bench.md) and gnuplot PNG plots.

  report.py --results DIR --env ENV.txt --json OUT.json --md OUT.md
            [--plots PREFIX]

DIR holds P1.json .. P8.json (written by the benchmark programs) and their
data files (P3-share.dat, P4-cap.dat, P5-wait.dat). Plots are written to
PREFIX-p3.png, PREFIX-p4.png, PREFIX-p5.png and PREFIX-p6.png.
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys

IDS = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]


def fmt(v):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def goal_text(r):
    g = r.get("goal")
    if not g:
        return "-"
    op = {"<=": "≤", ">=": "≥"}[g["op"]]
    unit = "×" if r["unit"] == "x" else " " + r["unit"]
    return "%s %s%s (%s)" % (op, fmt(g["value"]), unit, g["stat"])


def load(results):
    out = []
    for bid in IDS:
        path = os.path.join(results, bid + ".json")
        if not os.path.exists(path):
            out.append({"id": bid, "status": "not run", "results": []})
            continue
        with open(path) as f:
            try:
                d = json.load(f)
            except ValueError as e:
                d = {"id": bid, "status": "bad JSON: %s" % e, "results": []}
        d.setdefault("status", "ok")
        out.append(d)
    return out


def env_from(path):
    env = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip().lstrip("#").strip()
                if ":" in line:
                    k, v = line.split(":", 1)
                    env[k.strip()] = v.strip()
    return env


def cell(v):
    """A markdown table cell: pipes escaped."""
    return str(v).replace("|", "\\|")


def markdown(benches, env):
    lines = []
    lines.append("| | |")
    lines.append("|---|---|")
    for k in ("date", "kernel", "cpu", "accel", "cpus",
              "host load average at start", "mode"):
        if k in env:
            lines.append("| %s | %s |" % (k, cell(env[k])))
    lines.append("")
    lines.append("| id | figure | min | median | max | goal | met | meaning |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for b in benches:
        if not b.get("results"):
            lines.append("| %s | %s | - | - | - | - | %s | %s |" % (
                b["id"], cell(b.get("title", "")),
                cell(b.get("status", "not run")), cell(b.get("method", ""))))
            continue
        for r in b["results"]:
            v = r["value"]
            met = r.get("goal_met")
            met = "-" if met is None else ("yes" if met else "**no**")
            unit = "" if r["unit"] == "x" else " " + r["unit"]
            lines.append("| %s | %s | %s%s | %s%s | %s%s | %s | %s | %s |" % (
                b["id"], cell(r["name"]), fmt(v["min"]), unit,
                fmt(v["median"]), unit, fmt(v["max"]), unit, goal_text(r), met,
                cell(r.get("meaning", ""))))
    return "\n".join(lines) + "\n"


def gnuplot(script):
    p = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if p.returncode:
        raise RuntimeError("gnuplot failed: " + p.stderr)


TERM = "set terminal pngcairo size 1000,600 font 'sans,10'\n"


def plot_p3(results, prefix):
    dat = os.path.join(results, "P3-share.dat")
    if not os.path.exists(dat):
        return None
    png = prefix + "-p3.png"
    gnuplot(TERM + """
set output '%(png)s'
set multiplot layout 2,1 title 'P3: engine share per 100 ms, weights 1:2:4 (dashed: ideal 1/7, 2/7, 4/7)'
set ylabel 'share of engine 0'
set yrange [0:0.8]
set xrange [0:10.5]
set grid
set key outside right
do for [i=0:1] {
  set title (i == 0 ? 'P3: 1 ms jobs' : 'P3b: 20 ms preemptible jobs, 5 ms timeslice')
  set xlabel 'time (s)'
  plot '%(dat)s' index i using 2:3 with lines lw 2 title 'weight 1', \\
       '' index i using 2:4 with lines lw 2 title 'weight 2', \\
       '' index i using 2:5 with lines lw 2 title 'weight 4', \\
       1/7. with lines dt 2 lc 'gray' notitle, 2/7. with lines dt 2 lc 'gray' notitle, \\
       4/7. with lines dt 2 lc 'gray' notitle
}
unset multiplot
""" % {"png": png, "dat": dat})
    return png


def plot_p4(results, prefix):
    dat = os.path.join(results, "P4-cap.dat")
    if not os.path.exists(dat):
        return None
    png = prefix + "-p4.png"
    gnuplot(TERM + """
set output '%(png)s'
set multiplot layout 2,1 title 'P4: capped tenant (25 ms / 100 ms) share of engine 0 per 100 ms (dashed: 25 %%)'
set ylabel 'engine-seconds per second'
set yrange [0:1]
set xrange [0:10.5]
set grid
set key outside right
do for [i=0:1] {
  set title (i == 0 ? 'alone' : 'under contention (2 uncapped saturating tenants)')
  set xlabel 'time (s)'
  plot '%(dat)s' index i using 2:3 with lines lw 2 title 'capped tenant', \\
       '' index i using 2:4 with lines lw 1 title 'uncapped tenants (sum)', \\
       0.25 with lines dt 2 lc 'gray' notitle
}
unset multiplot
""" % {"png": png, "dat": dat})
    return png


def plot_p5(results, prefix, slice_ns):
    dat = os.path.join(results, "P5-wait.dat")
    if not os.path.exists(dat):
        return None
    samples = {"alone": [], "contended": []}
    with open(dat) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.split()
            if len(p) >= 2 and p[0] in samples:
                samples[p[0]].append(max(int(p[1]), 1))
    cdf = os.path.join(results, "P5-wait-cdf.dat")
    with open(cdf, "w") as f:
        for k in ("alone", "contended"):
            v = sorted(samples[k])
            f.write("# %s: wait_us cumulative_fraction\n" % k)
            for i, x in enumerate(v):
                f.write("%.3f %.6f\n" % (x / 1e3, (i + 1) / len(v)))
            f.write("\n\n")
    png = prefix + "-p5.png"
    gnuplot(TERM + """
set output '%(png)s'
set title 'P5: wait of the latency tenant (acceptance to start), CDF; dashed: one timeslice'
set xlabel 'wait (us, log scale)'
set ylabel 'fraction of jobs'
set logscale x
set grid
set key bottom right
set yrange [0:1.02]
set arrow from %(slice)f, graph 0 to %(slice)f, graph 1 nohead dt 2 lc 'gray'
plot '%(cdf)s' index 0 using 1:2 with steps lw 2 title 'alone', \\
     '' index 1 using 1:2 with steps lw 2 title 'with saturating batch tenant'
""" % {"png": png, "cdf": cdf, "slice": slice_ns / 1e3})
    return png


def plot_p6(bench, results, prefix):
    sup = bench.get("supplementary", {})
    sc = sup.get("scales")
    if not sc:
        return None
    dat = os.path.join(results, "P6-trend.dat")
    with open(dat, "w") as f:
        f.write("# tenants a_ratio b_ratio\n1 1 1\n")
        for s in sc:
            f.write("%d %.4f %.4f\n" % (s["tenants"], s["a_ratio_median"],
                                        s["b_ratio_median"]))
    png = prefix + "-p6.png"
    gnuplot(TERM + """
set output '%(png)s'
set title 'P6: dispatch throughput vs number of tenants (10 queues each), ratio to 1 tenant / 1 queue'
set xlabel 'tenants (log scale)'
set ylabel 'ratio'
set logscale x
set grid
set yrange [0:*]
set key bottom left
plot '%(dat)s' using 1:2 with linespoints lw 2 title 'A: P1 loop, other tenants idle', \\
     '' using 1:3 with linespoints lw 2 title 'B: all tenants runnable (tree of N)', \\
     0.8 with lines dt 2 lc 'gray' title 'goal 0.8'
""" % {"png": png, "dat": dat})
    return png


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--env")
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--plots")
    a = ap.parse_args()

    benches = load(a.results)
    env = env_from(a.env)
    plots = []
    if a.plots:
        byid = {b["id"]: b for b in benches}
        slice_ns = 5e6
        try:
            slice_ns = byid["P5"]["supplementary"]["timeslice_ns"]
        except KeyError:
            pass
        for png in (plot_p3(a.results, a.plots), plot_p4(a.results, a.plots),
                    plot_p5(a.results, a.plots, slice_ns),
                    plot_p6(byid.get("P6", {}), a.results, a.plots)):
            if png:
                plots.append(os.path.basename(png))

    with open(a.json, "w") as f:
        json.dump({"env": env, "benchmarks": benches, "plots": plots}, f,
                  indent=1)
        f.write("\n")
    md = markdown(benches, env)
    if plots:
        md += "\nPlots: " + ", ".join(plots) + "\n"
    with open(a.md, "w") as f:
        f.write(md)
    bad = [b["id"] for b in benches
           if b.get("status") not in ("ok", "not yet", "not run")]
    if bad:
        print("benchmarks with bad results: " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
