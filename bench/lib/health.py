"""bench/health: 1,000 programs with an exec health check every 5 s under one taskmasterd.

Standard library only.  The daemon is started with BENCH_RUN=<run dir> in its environment and
the run directory in its command line (config, socket), so lib/cleanup.py finds everything it
left; it is stopped here first (SIGTERM, then SIGKILL), by pid.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "bin")
LATENESS = re.compile(r"probe lateness over (\d+) s: timer (n=\d+[^;]*); dispatch (n=\d+.*)$")
FIELD = re.compile(r"(n|p50|p90|p99|max)=([0-9.]+)")


class BenchError(Exception):
    pass


def parse_args():
    p = argparse.ArgumentParser(prog="bench/health", description=__doc__.splitlines()[0])
    p.add_argument("--programs", type=int, default=1000)
    p.add_argument("--interval", type=float, default=5.0, help="health check interval, seconds")
    p.add_argument("--window", type=int, default=60, help="measurement window, seconds")
    p.add_argument("--warmup", type=int, default=15, help="seconds after every program is HEALTHY before measuring")
    p.add_argument("--period", type=int, default=10, help="seconds between the daemon's lateness summaries")
    p.add_argument("--start-timeout", type=int, default=300)
    p.add_argument("--no-results", action="store_true", help="do not append to bench/results/<date>.md")
    return p.parse_args()


def fields(summary):
    return {k: float(v) for k, v in FIELD.findall(summary)}


def main():
    args = parse_args()
    run = os.environ["BENCH_DIR"]
    procutil.become_subreaper()
    config = os.path.join(run, "health.yaml")
    with open(config, "w") as f:
        f.write(f"""server:
  logdir: {run}/logs
programs:
  w:
    cmd: sleep 1000000
    numprocs: {args.programs}
    starttime: 0
    autorestart: never
    stdout: none
    stderr: none
    health_check:
      cmd: "true"
      interval: {args.interval}
      timeout: 3s
      retries: 3
""")
    log = os.path.join(run, "state", "taskmaster", "default", "taskmasterd.log")
    env = dict(os.environ, BENCH_RUN=run, XDG_RUNTIME_DIR=os.path.join(run, "run"), XDG_STATE_HOME=os.path.join(run, "state"),
               TASKMASTER_JAVA_OPTS=f"-Dtaskmaster.debug.probe-lateness={args.period}")
    argv = [os.path.join(BIN, "taskmasterd")] + (["--allow-root"] if os.geteuid() == 0 else []) + \
        ["--no-stderr-log", "-c", config, "--socket", os.path.join(run, "tm.sock")]
    load_before = os.getloadavg()
    out = open(os.path.join(run, "daemon.out"), "w")
    daemon = subprocess.Popen(argv, env=env, cwd=run, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    try:
        deadline = time.monotonic() + args.start_timeout
        healthy = 0
        while healthy < args.programs:
            if daemon.poll() is not None:
                raise BenchError(f"taskmasterd exited {daemon.returncode}: " + (procutil.read(os.path.join(run, "daemon.out")) or ""))
            if time.monotonic() > deadline:
                raise BenchError(f"only {healthy} of {args.programs} HEALTHY after {args.start_timeout} s")
            time.sleep(1)
            text = procutil.read(log) or ""
            healthy = text.count("-> HEALTHY")
        exe = procutil.exe(daemon.pid) or ""
        if os.path.basename(exe) != "java":
            raise BenchError(f"pid {daemon.pid} is {exe!r}, not the JVM")
        time.sleep(args.warmup)
        start_lines = len((procutil.read(log) or "").splitlines())
        t0, c0 = time.monotonic(), procutil.cpu_ticks(daemon.pid)
        rss = []
        while time.monotonic() - t0 < args.window:
            time.sleep(1)
            rss.append(procutil.rss_kb(daemon.pid))
        t1, c1 = time.monotonic(), procutil.cpu_ticks(daemon.pid)
        # The summaries logged inside the window (the first may include a few seconds before it).
        time.sleep(args.period + 1)
        lines = (procutil.read(log) or "").splitlines()[start_lines:]
        summaries = [m for m in (LATENESS.search(l) for l in lines) if m]
        unhealthy = sum(1 for l in lines if "-> UNHEALTHY" in l)
        load_after = os.getloadavg()
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    if not summaries:
        raise BenchError("the daemon logged no probe lateness summary (a build without ProbeLateness?)")
    cpu_per_min = (c1 - c0) / procutil.CLK_TCK / (t1 - t0) * 60
    timer = [fields(m.group(2)) for m in summaries]
    dispatch = [fields(m.group(3)) for m in summaries]
    probes = sum(t["n"] for t in timer)
    span = sum(int(m.group(1)) for m in summaries)
    rows = [
        ("daemon CPU", f"{cpu_per_min:.2f} s per minute ({cpu_per_min / 60 * 100:.1f}% of one core)"),
        ("daemon RSS", f"{statistics.median(rss) / 1024:.0f} MiB median, {max(rss) / 1024:.0f} MiB max"),
        ("probes started", f"{probes / span:.0f}/s (expected {args.programs / args.interval:.0f}/s)"),
        ("lateness: timer (due -> engine)", lateness(timer)),
        ("lateness: dispatch (engine -> probe thread)", lateness(dispatch)),
        ("UNHEALTHY during the window", str(unhealthy)),
        ("load average before / after", f"{load_before[0]:.2f} / {load_after[0]:.2f}"),
    ]
    table = [f"| health ({args.programs} programs, cmd probe every {args.interval:g} s, {args.window} s window) | taskmaster |",
             "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    print("\n".join(table))
    if not args.no_results:
        os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
        path = os.path.join(ROOT, "bench", "results", time.strftime("%Y-%m-%d") + ".md")
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        with open(path, "a") as f:
            f.write(f"\n## bench/health {time.strftime('%Y-%m-%dT%H:%M:%S%z')} on {os.uname().nodename}, "
                    f"{os.cpu_count()} CPUs, commit {commit}\n\n" + "\n".join(table) + "\n")


def lateness(parts):
    """Per-summary figures folded together: median of the p50s, the worst p90, p99 and max."""
    return (f"p50 {statistics.median(p['p50'] for p in parts):.2f} ms, p90 {max(p['p90'] for p in parts):.2f} ms, "
            f"p99 {max(p['p99'] for p in parts):.2f} ms, max {max(p['max'] for p in parts):.2f} ms")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"health: {e}", file=sys.stderr)
        sys.exit(1)
