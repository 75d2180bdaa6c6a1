"""Markdown rendering of the benchmark results."""
import os
import platform
import re
import subprocess


def fmt(value, unit):
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    if unit == "ms":
        if value < 10:
            return f"{value:.3f} ms"
        if value < 100:
            return f"{value:.1f} ms"
        return f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "%":
        return f"{value:.3f} %"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "MiB/s":
        return f"{value:,.0f} MiB/s"
    if unit == "cpu":
        return f"{value:.3f} CPU-s/GiB"
    if unit == "lines":
        return f"{value:,}"
    return str(value)


def ratio(peer, tm, better="lower"):
    """How far ahead Taskmaster is: peer/tm when lower is better, tm/peer when higher is; so
    above 1× always means that Taskmaster is ahead."""
    if better is None or not isinstance(peer, (int, float)) or not isinstance(tm, (int, float)):
        return None
    num, den = (peer, tm) if better == "lower" else (tm, peer)
    if den <= 0:
        return None
    r = num / den
    return f"{r:,.0f}×" if r >= 100 else f"{r:.2f}×" if r < 10 else f"{r:.1f}×"


SCALE = {"ms": 1e-3, "s": 1.0, "MB": 1.0, "%": 1.0, "×": 1.0, "x": 1.0, "CPU-s/GiB": 1.0}


def verdict(row, b):
    """Whether Taskmaster's figure meets the row's target: "met", "**not met**", or "—" when the
    target is not a number to compare with (or the figure is missing). Targets understood:
    "≤ N unit", "≥ N unit", "0", "≤ supervisorctl" (or "≤ supervisord": the peer's figure in
    the same run), "≤ F× bash" (F times the bash loop's median, the respawn baseline)."""
    target, tm = row.get("_target"), row.get("taskmaster")
    if not target or isinstance(tm, str) or tm is None:
        return "—"
    unit = row["_fmt"]
    if target.strip() == "0":
        ok = tm == 0
    elif "supervisorctl" in target or "supervisord" in target:
        sd = row.get("supervisord")
        if not isinstance(sd, (int, float)):
            return "—"
        ok = tm <= sd
    elif "bash" in target:
        m = re.search(r"≤\s*([\d.]+)\s*×", target)
        if not m or not getattr(b, "baseline", None):
            return "—"
        ok = tm <= float(m.group(1)) * b.baseline[0]
    else:
        m = re.search(r"([≤≥])\s*([\d.,]+)\s*(ms|s|MB|%|×|x|CPU-s/GiB)?", target)
        if not m:
            return "—"
        bound = float(m.group(2).replace(",", ""))
        tunit = m.group(3) or unit
        if tunit in ("ms", "s") and unit in ("ms", "s"):
            bound = bound * SCALE[tunit] / SCALE[unit]
        ok = tm <= bound if m.group(1) == "≤" else tm >= bound
    return "met" if ok else "**not met**"


def order_key(bench_obj):
    known = [("respawn", m) for m, _, _ in bench_obj.RESPAWN_METRICS] + \
            [("spawn1000", m) for m, _, _ in bench_obj.SPAWN_METRICS] + \
            [("stopall", m) for m, _, _ in bench_obj.STOP_METRICS] + \
            [("throughput", m[0]) for m in bench_obj.THROUGHPUT_METRICS] + \
            [("integrity", m[0]) for m in bench_obj.INTEGRITY_METRICS] + \
            [("attach", m[0]) for m in bench_obj.ATTACH_METRICS] + \
            [("stalled-viewers", m[0]) for m in bench_obj.VIEWER_METRICS] + \
            [("shutdown-streams", m[0]) for m in bench_obj.SHUTDOWN_METRICS] + \
            [("cli", m[0]) for m in getattr(bench_obj, "CLI_METRICS", [])] + \
            [("api", m[0]) for m in getattr(bench_obj, "API_METRICS", [])] + \
            [("events", m[0]) for m in getattr(bench_obj, "EVENT_METRICS", [])] + \
            [("status", m[0]) for m in getattr(bench_obj, "STATUS_METRICS", [])]
    # Rows in the order the benchmarks ran (bench/run all's order), then in each one's own order.
    ran = bench_obj.benches() if hasattr(bench_obj, "benches") else []
    return lambda k: (ran.index(k[0]) if k[0] in ran else len(ran), known.index(k) if k in known else len(known))


def render(b):
    # The PM2 column appears only in runs that include it (the output benchmarks), so the
    # control-plane tables keep the layout of the earlier results.
    pm2 = any("pm2" in row for row in b.results.values())
    peers = ("taskmaster", "supervisord", "pm2") if pm2 else ("taskmaster", "supervisord")
    if pm2:
        lines = ["| benchmark | metric | taskmaster | supervisord | pm2 | ratio (> 1× = taskmaster ahead) | "
                 "target (taskmaster) | met? |", "|---|---|---|---|---|---|---|---|"]
    else:
        lines = ["| benchmark | metric | taskmaster | supervisord | ratio (sd/tm) | target (taskmaster) | met? |",
                 "|---|---|---|---|---|---|---|"]
    for key in sorted(b.results, key=order_key(b)):
        bench, metric = key
        row = b.results[key]
        unit = row["_fmt"]
        cells = []
        for peer in peers:
            if peer in row:
                c = fmt(row[peer], unit)
                if row.get(peer + "_extra"):
                    c += f" ({row[peer + '_extra']})"
            elif peer in b.unavailable:
                c = b.unavailable[peer]
            else:
                c = "not run"
            cells.append(c)
        better = row.get("_better", "lower")
        if pm2:
            r = [f"{short} {x}" for short, peer in (("sd", "supervisord"), ("pm2", "pm2"))
                 if (x := ratio(row.get(peer), row.get("taskmaster"), better))]
            r = " · ".join(r) or "—"
        else:
            r = ratio(row.get("supervisord"), row.get("taskmaster"), better) or "—"
        lines.append(f"| {bench} | {metric} | {' | '.join(cells)} | {r} | {row['_target'] or '—'} | {verdict(row, b)} |")
    out = "\n".join(lines) + "\n"
    if getattr(b, "output_baseline", None):
        t, runs, n = b.output_baseline
        out += (f"\nBaseline (direct): the same writer with its stdout redirected to a file by the shell, on the "
                f"same filesystem: {fmt(t, 's')} for {n / (1 << 20):,.0f} MiB ({n / (1 << 20) / t:,.0f} MiB/s; median of "
                f"{', '.join(fmt(x, 's') for x in runs)}).\n")
    if getattr(b, "baseline", None):
        med, p99, n = b.baseline
        out += (f"\nBaseline: a bash `while` loop running the stamp program back to back respawns with a median of "
                f"{fmt(med, 'ms')} and a p99 of {fmt(p99, 'ms')} (N={n}): the cost of fork+exec itself.\n")
    for note in b.notes:
        out += f"\nNote: {note}\n"
    return out


def header(b, started, argv):
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rev = cmd("git", "-C", root, "rev-parse", "--short", "HEAD")
    dirty = " (dirty)" if cmd("git", "-C", root, "status", "--porcelain", "--untracked-files=no") else ""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = ", ".join(f"{k} {v.splitlines()[0]}" for k, v in sorted(b.versions.items()))
    load = f"load average {b.load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    return (f"\n## {started.strftime('%Y-%m-%d %H:%M:%S UTC')} — `bench/run {' '.join(argv)}`\n\n"
            f"Host: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, {load}; commit {rev}{dirty}; {versions}.\n\n")


def append_results(bench_dir, started, text):
    """Appends `text` to results/<date>.md (titled when new); returns its path."""
    os.makedirs(os.path.join(bench_dir, "results"), exist_ok=True)
    path = os.path.join(bench_dir, "results", started.strftime("%Y-%m-%d") + ".md")
    fresh = not os.path.exists(path)
    with open(path, "a") as out:
        if fresh:
            out.write(f"# Benchmark results, {started.strftime('%Y-%m-%d')}\n")
        out.write(text)
    return path
