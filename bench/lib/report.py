"""Markdown rendering of the benchmark results."""
import os
import platform
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
    return str(value)


def ratio(sd, tm):
    if isinstance(sd, (int, float)) and isinstance(tm, (int, float)) and tm > 0:
        r = sd / tm
        return f"{r:,.0f}×" if r >= 100 else f"{r:.2f}×" if r < 10 else f"{r:.1f}×"
    return "—"


def order_key(bench_obj):
    known = [("respawn", m) for m, _, _ in bench_obj.RESPAWN_METRICS] + \
            [("spawn1000", m) for m, _, _ in bench_obj.SPAWN_METRICS] + \
            [("stopall", m) for m, _, _ in bench_obj.STOP_METRICS]
    return lambda k: known.index(k) if k in known else len(known)


def render(b):
    lines = ["| benchmark | metric | taskmaster | supervisord | ratio (sd/tm) | target (taskmaster) |",
             "|---|---|---|---|---|---|"]
    for key in sorted(b.results, key=order_key(b)):
        bench, metric = key
        row = b.results[key]
        unit = row["_fmt"]
        cells = []
        for peer in ("taskmaster", "supervisord"):
            if peer in row:
                c = fmt(row[peer], unit)
                if row.get(peer + "_extra"):
                    c += f" ({row[peer + '_extra']})"
            elif peer in b.unavailable:
                c = b.unavailable[peer]
            else:
                c = "not run"
            cells.append(c)
        lines.append(f"| {bench} | {metric} | {cells[0]} | {cells[1]} | "
                     f"{ratio(row.get('supervisord'), row.get('taskmaster'))} | {row['_target'] or '—'} |")
    out = "\n".join(lines) + "\n"
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
