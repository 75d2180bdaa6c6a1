"""bench/recovery: time for a restarted taskmasterd to re-adopt what a SIGKILLed one left running.

Run through bench/recovery, which makes the run directory (BENCH_DIR) and the cleanup trap.
Standard library only.  Every process started here carries BENCH_RUN=<run dir> in its
environment; the daemon is stopped through the API at the end, and the trap's lib/cleanup.py
kills by pid whatever still carries the marker.
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
BIN = os.path.join(ROOT, "bin")
LIMIT = 900.0


def log(msg):
    print(f"recovery: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """The run cannot go on; the message says why."""


def env_of(rundir):
    return dict(os.environ, XDG_RUNTIME_DIR=os.path.join(rundir, "run"), XDG_STATE_HOME=os.path.join(rundir, "state"),
                BENCH_RUN=rundir)


def ctl(env, *args, timeout=120):
    r = subprocess.run([os.path.join(BIN, "taskmasterctl"), *args], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def status_pids(env):
    """name -> (state, pid) of every process status lists; empty when the daemon does not answer."""
    try:
        code, out, _ = ctl(env, "status")
    except subprocess.TimeoutExpired:
        return {}
    rows = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) > 2 and f[2].isdigit():
            rows[f[0]] = (f[1], int(f[2]))
    return rows


def start_daemon(rundir, env, config):
    out = open(os.path.join(rundir, "daemon.out"), "ab")
    return subprocess.Popen([os.path.join(BIN, "taskmasterd"), "--allow-root", "--no-stderr-log", "-c", config],
                            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def wait_for(what, cond, limit=None, step=0.05):
    deadline = time.monotonic() + (limit if limit is not None else LIMIT)
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise BenchError(f"timed out waiting for {what}")


def leaders_by_name(rundir):
    """Instance name -> session leaders carrying it (the programs' main processes), for this run only."""
    out = {}
    mark = b"BENCH_RUN=" + rundir.encode()
    for pid in procutil.all_pids():
        env = procutil.read(f"/proc/{pid}/environ", "rb")
        if not env:
            continue
        entries = env.split(b"\0")
        if mark not in entries:
            continue
        name = next((e[len(b"TASKMASTER_PROCESS_NAME="):].decode() for e in entries
                     if e.startswith(b"TASKMASTER_PROCESS_NAME=")), None)
        f = procutil.stat_fields(pid)
        if name is None or f is None or f[0] == "Z":
            continue
        if int(f[3]) == pid:  # session id == pid
            out.setdefault(name, []).append(pid)
    return out


def log_times(logfile, since):
    """Seconds from the daemon's first log line after `since` to its last 'supervised again' event."""
    first = last = None
    with open(logfile, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()[since:]
    stamp = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) ")
    for line in lines:
        m = stamp.match(line)
        if not m:
            continue
        t = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
        if first is None:
            first = t
        if "supervised again" in line:
            last = t
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def main():
    global LIMIT
    ap = argparse.ArgumentParser(prog="bench/recovery", description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=1000, help="sleeping programs (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="crash/restart cycles (default 3)")
    ap.add_argument("--limit", type=float, default=LIMIT, help="seconds to wait for any one step (default 900)")
    a = ap.parse_args()
    LIMIT = a.limit
    rundir = os.environ.get("BENCH_DIR")
    if not rundir:
        raise BenchError("run through bench/recovery")
    procutil.become_subreaper()   # survivors of the killed daemon come to us, not to init: we reap them
    env = env_of(rundir)
    os.makedirs(os.path.join(rundir, "run"), mode=0o700, exist_ok=True)
    config = os.path.join(rundir, "t.yaml")
    with open(config, "w") as f:
        f.write(f"programs:\n  sleeper:\n    cmd: sleep 100000\n    numprocs: {a.programs}\n    starttime: 0\n")
    logfile = os.path.join(rundir, "state", "taskmaster", "default", "taskmasterd.log")
    statefile = os.path.join(rundir, "run", "taskmaster", "default.state")

    daemon = start_daemon(rundir, env, config)
    t0 = time.monotonic()
    wait_for(f"{a.programs} RUNNING", lambda: sum(1 for s, _ in status_pids(env).values() if s == "RUNNING") == a.programs)
    log(f"{a.programs} programs RUNNING after {time.monotonic() - t0:.1f} s (load average {os.getloadavg()[0]:.1f})")
    walls, inside, doubled = [], [], []
    try:
        for run in range(1, a.runs + 1):
            before = {n: p for n, (s, p) in status_pids(env).items()}
            wait_for("the state file to name every process",
                     lambda: sum(1 for l in open(statefile) if l.startswith("process ")) == a.programs
                     if os.path.exists(statefile) else False)
            loglines = len(open(logfile, encoding="utf-8", errors="replace").readlines())
            daemon.kill()
            daemon.wait()
            t = time.monotonic()
            daemon = start_daemon(rundir, env, config)

            def readopted():
                now = status_pids(env)
                return len(now) == a.programs and all(now.get(n) == ("RUNNING", p) for n, p in before.items())
            wait_for("every program RUNNING with its old pid", readopted, step=0.01)
            wall = time.monotonic() - t
            leaders = leaders_by_name(rundir)
            dup = sum(len(v) - 1 for v in leaders.values() if len(v) > 1)
            missing = a.programs - len(leaders)
            if missing:
                raise BenchError(f"run {run}: {missing} instance(s) without a process")
            inner = log_times(logfile, loglines)
            walls.append(wall)
            inside.append(inner)
            doubled.append(dup)
            log(f"run {run}: all {a.programs} re-adopted {wall:.2f} s after exec (in the daemon: {inner:.2f} s), "
                f"{dup} doubled; load average {os.getloadavg()[0]:.1f}")
    finally:
        ctl(env, "shutdown")
        try:
            daemon.wait(timeout=120)
        except subprocess.TimeoutExpired:
            daemon.kill()
        procutil.reap_children()
    print(f"| programs | runs | exec → all RUNNING with old pids (median, max) | daemon start → last re-adopted (median) | doubled |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| {a.programs} | {a.runs} | {statistics.median(walls):.2f} s, {max(walls):.2f} s | "
          f"{statistics.median(inside):.2f} s | {sum(doubled)} |")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        log(str(e))
        sys.exit(1)
