# SPDX-License-Identifier: MIT
"""Turns bench/kv's measurements (TSV: server, durability, test, clients,
pipeline, ops/s, p50 ms, p99 ms) into bench/results/kv.json, a PNG plot
and a table with arrakis-kv / redis-server ratios.

usage: kv_report.py RESULTS.tsv OUT.json OUT.png HOW SERVER_CPU CLIENT_CPU
"""
import json
import os
import sys
import time


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            s, d, t, c, p, ops, p50, p99 = line.split()
            rows.append({"server": s, "durability": d, "test": t,
                         "clients": int(c), "pipeline": int(p),
                         "ops_per_sec": float(ops), "p50_ms": float(p50),
                         "p99_ms": float(p99)})
    return rows


def key(r):
    return (r["durability"], r["test"], r["clients"], r["pipeline"])


def ratios(rows):
    base = {key(r): r for r in rows if r["server"] == "redis"}
    out = []
    for r in rows:
        b = base.get(key(r))
        if r["server"] != "arrakis-kv" or not b:
            continue
        out.append({"durability": r["durability"], "test": r["test"],
                    "clients": r["clients"], "pipeline": r["pipeline"],
                    "ops_ratio": r["ops_per_sec"] / b["ops_per_sec"],
                    "p50_ratio": r["p50_ms"] / b["p50_ms"] if b["p50_ms"]
                    else None,
                    "p99_ratio": r["p99_ms"] / b["p99_ms"] if b["p99_ms"]
                    else None})
    return out


def table(rows, rat):
    byk = {(r["server"],) + key(r): r for r in rows}
    print("%-6s %-3s %4s %3s | %9s %7s %7s | %9s %7s %7s | %6s %6s %6s" % (
        "durab", "op", "conn", "P", "kv ops/s", "p50ms", "p99ms",
        "redis", "p50ms", "p99ms", "ops", "p50", "p99"))
    for x in rat:
        k = (x["durability"], x["test"], x["clients"], x["pipeline"])
        a, b = byk[("arrakis-kv",) + k], byk[("redis",) + k]
        print("%-6s %-3s %4d %3d | %9.0f %7.3f %7.3f | %9.0f %7.3f %7.3f |"
              " %5.2fx %5.2fx %5.2fx" % (
                  k + (a["ops_per_sec"], a["p50_ms"], a["p99_ms"],
                       b["ops_per_sec"], b["p50_ms"], b["p99_ms"],
                       x["ops_ratio"], x["p50_ratio"] or 0,
                       x["p99_ratio"] or 0)))


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("kv_report: python3-matplotlib missing, no plot")
        return
    configs = sorted({key(r) for r in rows})
    labels = ["%s %s\nc%d P%d" % (d[:4], t, c, p) for d, t, c, p in configs]
    fig, axes = plt.subplots(2, 1, figsize=(16, 9), sharex=True)
    width = 0.4
    for i, server in enumerate(["arrakis-kv", "redis"]):
        byk = {key(r): r for r in rows if r["server"] == server}
        xs = [j + (i - 0.5) * width for j in range(len(configs))]
        axes[0].bar(xs, [byk[k]["ops_per_sec"] if k in byk else 0
                         for k in configs], width, label=server)
        axes[1].bar(xs, [byk[k]["p99_ms"] if k in byk else 0
                         for k in configs], width, label=server)
    axes[0].set_ylabel("ops/s")
    axes[1].set_ylabel("p99 latency (ms)")
    axes[1].set_yscale("log")
    axes[0].legend()
    axes[0].set_title("arrakis-kv vs redis-server (always: appendfsync "
                      "always / durable log; none: no persistence)")
    axes[1].set_xticks(range(len(configs)))
    axes[1].set_xticklabels(labels, fontsize=7, rotation=90)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    tsv, out_json, out_png, how, scpu, ccpu = sys.argv[1:7]
    rows = load(tsv)
    rat = ratios(rows)
    doc = {
        "benchmark": "kv",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release},
        "method": "redis-benchmark (Debian redis-tools) from the client "
                  "namespace, 1 KB values, 10,000 keys, server pinned to "
                  "CPU %s, client to CPU %s; %s; baseline Debian "
                  "redis-server in the Linux container of the same testnet"
                  % (scpu, ccpu, how),
        "results": rows,
        "ratios": rat,
    }
    with open(out_json, "w") as f:
        json.dump(doc, f, indent=2)
    table(rows, rat)
    plot(rows, out_png)
    print("kv: results in %s and %s" % (out_json, out_png))


if __name__ == "__main__":
    main()
