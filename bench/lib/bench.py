"""Taskmaster vs supervisord (and PM2) benchmarks.  Run through bench/run, which prepares
BENCH_DIR (a fresh temporary directory), compiles the stamp and spew programs into it, installs
the peers when missing and cleans up afterwards.

    bench.py [all|respawn|spawn1000|stopall|output|throughput|integrity|attach]
             [--only supervisord|taskmaster|pm2] [options]

all = every figure of issue 17 in one run (ALL_BENCHES: the control plane, the CLI calls, the API
under load, event latency, output throughput, memory), Taskmaster beside supervisord (and PM2 for
output), each row with its target and whether it is met; control = the control-plane benchmarks
alone (respawn, spawn1000, stopall, status), what `all` was before issue 17;
output = the output benchmarks of issue 5 (throughput, integrity, attach: vs supervisord and
PM2), in lib/output.py; cli, api, events in lib/apibench.py; memory in lib/memory.py.
"""
import argparse
import datetime
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402
import report  # noqa: E402
from output import OutputBenches  # noqa: E402
from streams import StreamBenches  # noqa: E402
from apibench import ApiBenches  # noqa: E402
from memory import MemoryBenches  # noqa: E402
from peers import PEERS, ROOT, BENCH  # noqa: E402
import launch_metrics  # noqa: E402

NA_ENGINE = "n/a (engine not available)"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class NotAvailable(Exception):
    pass


# -- stamp files: lib/stamps.py ------------------------------------------------------------------
from stamps import count_starts, median, percentile, read_stamps, respawn_latencies_ms, wait_for  # noqa: E402,F401


def stamp_live_pids(peer, stamp):
    """Live (non-zombie) stamp processes under the daemon, counted from /proc."""
    sb = stamp.encode()
    cmap = procutil.children_map()
    return [p for p in procutil.descendants(peer.pid, cmap) if (procutil.cmdline(p) or [b""])[0] == sb]


CONTROL_BENCHES = ["respawn", "spawn1000", "stopall", "status"]
OUTPUT_BENCHES = ["throughput", "integrity", "attach"]
STREAM_BENCHES = ["stalled-viewers", "shutdown-streams"]
# Issue 17: every figure of the issue in one run (`bench/run all`), in this order.
ISSUE17_BENCHES = ["cli", "api", "events", "throughput", "memory"]
ALL_BENCHES = CONTROL_BENCHES + ISSUE17_BENCHES


class Bench(OutputBenches, StreamBenches, ApiBenches, MemoryBenches):
    log = staticmethod(log)

    def __init__(self, args, rundir):
        self.args = args
        self.dir = rundir
        self.stamp = os.path.join(rundir, "stamp")
        self.spew = os.path.join(rundir, "spew")
        self.output_baseline = None
        self.results = {}   # (bench, metric) -> {peer: value-or-str, "_fmt": fmt, ...}
        self.notes = []
        self.peers = {}
        self.unavailable = {}
        self.versions = {}

    # -- set-up --------------------------------------------------------------------------------
    def benches(self):
        chosen = {"all": ALL_BENCHES, "control": CONTROL_BENCHES, "output": OUTPUT_BENCHES,
                  "streams": STREAM_BENCHES}.get(self.args.bench, [self.args.bench])
        return [b for b in chosen if b not in self.args.skip]

    def needed_peers(self):
        """The peers the selected benchmarks compare: PM2 only takes part in the output
        benchmarks, and attach is Taskmaster's alone (no peer has a console attach)."""
        names = set()
        for b in self.benches():
            names |= {"attach": {"taskmaster"}, "stalled-viewers": {"taskmaster"}, "shutdown-streams": {"taskmaster"},
                      "throughput": {"taskmaster", "supervisord", "pm2"},
                      "integrity": {"taskmaster", "supervisord", "pm2"}}.get(b, {"taskmaster", "supervisord"})
        return [n for n in ("supervisord", "pm2", "taskmaster") if n in names and self.args.only in (None, n)]

    def setup_peers(self):
        for name in self.needed_peers():
            peer = PEERS[name](self.dir)
            ok, info = peer.available()
            if not ok:
                log(f"{name}: {info}")
                self.unavailable[name] = f"n/a ({info})"
                continue
            self.versions[name] = info
            self.peers[name] = peer
        tm = self.peers.get("taskmaster")
        if tm is not None:
            reason = self.probe_taskmaster(tm)
            if reason:
                log(f"taskmaster: {reason}")
                self.unavailable["taskmaster"] = NA_ENGINE
                self.notes.append(f"taskmaster probe: {reason}")
                del self.peers["taskmaster"]

    def probe_taskmaster(self, tm):
        """Starts taskmasterd with one sleeping program; None when the program starts."""
        f = os.path.join(self.dir, "probe.stamps")
        tm.start("probe", [("probe", f"{self.stamp} {f} sleep", "keep")])
        try:
            if wait_for(lambda: count_starts(f) >= 1, self.args.probe_timeout, tm):
                tm.measured_pid()
                return None
            if tm.exited():
                return f"taskmasterd exited with code {tm.proc.returncode} before starting a program: {tm.output_tail()}"
            return f"no program started within {self.args.probe_timeout:g} s"
        finally:
            tm.kill()

    def record(self, bench, metric, peer, value, fmt, target=None, extra="", better="lower"):
        """better: "lower" or "higher" (which way the ratio column turns), None for no ratio."""
        row = self.results.setdefault((bench, metric), {"_fmt": fmt, "_target": target, "_better": better})
        row[peer] = value
        if extra:
            row[peer + "_extra"] = extra

    def record_na(self, bench, metrics, peer, why):
        for metric, fmt, target in metrics:
            self.record(bench, metric, peer, why, fmt, target)

    # -- 1. crash -> respawn ---------------------------------------------------------------------
    RESPAWN_METRICS = [("respawn latency, median", "ms", None), ("respawn latency, p99", "ms", "≤ 5 ms"),
                       ("respawn latency, median ÷ a bash loop's (run just before)", "x", "≤ 1.5×")]

    def bench_respawn(self):
        self.respawn_baseline()
        for name in self.order():
            peer = self.peers.get(name)
            if peer is None:
                self.record_na("respawn", self.RESPAWN_METRICS, name, self.unavailable[name])
                continue
            # The reference, measured the same way right before this peer, under the same load.
            bash = launch_metrics.bash_loop_respawn(self.dir, self.stamp, self.args.respawns, peer.key)
            n = self.args.sd_respawns if name == "supervisord" else self.args.respawns
            f = os.path.join(self.dir, f"respawn-{peer.key}.stamps")
            log(f"respawn: {name}, {n} respawns")
            peer.start("respawn", [("crasher", f"{self.stamp} {f} exit", "respawn")])
            # supervisord takes ~2 s per respawn; the timeout leaves room for 3 s each.
            timeout = 15 + n * (3.0 if name == "supervisord" else 0.25)
            try:
                done = wait_for(lambda: count_starts(f) >= n + 1, timeout, peer, interval=0.02)
            finally:
                peer.kill()
            lat = sorted(respawn_latencies_ms(read_stamps(f))[:n])
            if len(lat) < 1:
                self.record_na("respawn", self.RESPAWN_METRICS, name,
                               NA_ENGINE if name == "taskmaster" else "n/a (no respawn)")
                continue
            note = f"N={len(lat)}" + ("" if done else f" of {n}, timed out")
            self.record("respawn", "respawn latency, median", name, median(lat), "ms", None, note)  # goal: the ÷ bash row
            self.record("respawn", "respawn latency, p99", name, percentile(lat, 99), "ms", "≤ 5 ms", note)
            if bash:
                self.record("respawn", self.RESPAWN_METRICS[2][0], name, median(lat) / bash[0], "x", "≤ 1.5×",
                            f"bash loop: median {bash[0]:.3f} ms, p99 {bash[1]:.3f} ms, N={bash[2]}", better=None)
            else:
                self.record("respawn", self.RESPAWN_METRICS[2][0], name, "n/a (the bash loop made no respawn)", "x", "≤ 1.5×")
            log(f"respawn: {name}: median {median(lat):.3f} ms, p99 {percentile(lat, 99):.3f} ms, "
                f"min {lat[0]:.3f}, max {lat[-1]:.3f} ({note})")

    def respawn_baseline(self):
        n = self.args.respawns
        f = os.path.join(self.dir, "respawn-bash.stamps")
        log(f"respawn: bash while-loop baseline, {n} respawns")
        script = 'i=0; while [ "$i" -le "$2" ]; do "$0" "$1" exit; i=$((i+1)); done'
        env = dict(os.environ, BENCH_RUN=self.dir)
        p = subprocess.Popen(["bash", "-c", script, self.stamp, f, str(n)], env=env, start_new_session=True)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        finally:
            procutil.kill_marked(self.dir, daemons=[p.pid] if p.poll() is None else [])
            p.wait()
        lat = sorted(respawn_latencies_ms(read_stamps(f))[:n])
        if lat:
            self.baseline = (median(lat), percentile(lat, 99), len(lat))
            log(f"respawn: bash: median {self.baseline[0]:.3f} ms, p99 {self.baseline[1]:.3f} ms")

    # -- 2. 1,000 programs -------------------------------------------------------------------------
    SPAWN_METRICS = [("time until all 1,000 spawned", "s", "≤ 1 s"),
                     ("daemon RSS, 10 programs", "MB", "≤ 64 MB"),
                     ("daemon RSS, 1,000 programs", "MB", "≤ 96 MB"),
                     ("idle daemon CPU, 1,000 programs", "%", "≤ 0.2 %"),
                     ("ListProcesses p99 while 1,000 programs start", "ms", "≤ 50 ms")]

    def sleepers(self, peer, count, tag):
        f = os.path.join(self.dir, f"{tag}-{peer.key}.stamps")
        width = len(str(count - 1))
        return f, [(f"sleeper{i:0{width}d}", f"{self.stamp} {f} sleep", "keep") for i in range(count)]

    def bench_spawn1000(self):
        count, settle = self.args.programs, self.args.settle
        for name in self.order():
            peer = self.peers.get(name)
            if peer is None:
                self.record_na("spawn1000", self.SPAWN_METRICS, name, self.unavailable[name])
                continue
            # RSS with 10 programs
            f, progs = self.sleepers(peer, 10, "spawn10")
            log(f"spawn1000: {name}, 10 programs")
            peer.start("spawn10", progs)
            try:
                if wait_for(lambda: count_starts(f) >= 10, 60, peer, interval=0.02):
                    time.sleep(settle)
                    rss = procutil.rss_kb(peer.measured_pid())
                    self.record("spawn1000", "daemon RSS, 10 programs", name, rss / 1024, "MB", "≤ 64 MB")
                    log(f"spawn1000: {name}: RSS with 10 programs {rss / 1024:.1f} MB")
                else:
                    self.record("spawn1000", "daemon RSS, 10 programs", name,
                                f"timeout ({count_starts(f)}/10 started)", "MB")
            finally:
                peer.kill()

            # 1,000 programs: spawn time, RSS, idle CPU
            f, progs = self.sleepers(peer, count, "spawn1000")
            log(f"spawn1000: {name}, {count} programs")
            t0 = None
            peer.start("spawn1000", progs)
            t0 = peer.t_start_ns
            try:
                ok = wait_for(lambda: count_starts(f) >= count, self.args.spawn_timeout, peer, interval=0.01)
                t_seen = time.time_ns()
                stamps = [s for s in read_stamps(f) if s[0] == "start"]
                if not ok:
                    why = f"timeout ({len(stamps)}/{count} in {self.args.spawn_timeout:g} s)"
                    if peer.exited():
                        why = f"daemon exited ({len(stamps)}/{count} started)"
                    self.record_na("spawn1000", self.SPAWN_METRICS[:1] + self.SPAWN_METRICS[2:], name, why)
                    continue
                t_all = (max(ns for _, ns, _ in stamps) - t0) / 1e9
                live = len(stamp_live_pids(peer, self.stamp))
                t_first = (min(ns for _, ns, _ in stamps) - t0) / 1e9
                self.record("spawn1000", "time until all 1,000 spawned", name, t_all, "s", "≤ 1 s",
                            f"first child at {t_first:.3f} s" +
                            ("" if live >= count else f"; only {live} alive under the daemon"))
                log(f"spawn1000: {name}: all {count} spawned after {t_all:.3f} s "
                    f"(poll saw it at {(t_seen - t0) / 1e9:.3f} s); {live} live under pid {peer.pid}")
                time.sleep(settle)
                mpid = peer.measured_pid()
                rss0 = procutil.rss_kb(mpid)
                c0, w0 = procutil.cpu_ticks(mpid), time.monotonic()
                log(f"spawn1000: {name}: RSS {rss0 / 1024:.1f} MB; measuring idle CPU for {self.args.idle:g} s")
                time.sleep(self.args.idle)
                c1, w1 = procutil.cpu_ticks(mpid), time.monotonic()
                rss1 = procutil.rss_kb(mpid)
                live1 = len(stamp_live_pids(peer, self.stamp))
                cpu = (c1 - c0) / procutil.CLK_TCK / (w1 - w0) * 100
                self.record("spawn1000", "daemon RSS, 1,000 programs", name, rss1 / 1024, "MB", "≤ 96 MB",
                            f"{rss0 / 1024:.1f} MB before the idle window")
                self.record("spawn1000", "idle daemon CPU, 1,000 programs", name, cpu, "%", "≤ 0.2 %",
                            f"{c1 - c0} ticks in {w1 - w0:.1f} s" + ("" if live1 >= count else f"; {live1} alive at the end"))
                log(f"spawn1000: {name}: idle CPU {cpu:.3f} % ({c1 - c0} ticks), RSS after idle {rss1 / 1024:.1f} MB, "
                    f"{live1} alive")
                # All stopped, then all started again while status calls are timed (taskmaster: a
                # gRPC client, src/MassStartLatency.java; supervisord: XML-RPC getAllProcessInfo).
                metric = self.SPAWN_METRICS[4][0]
                log(f"spawn1000: {name}: stop all, then {metric}")
                try:
                    if name == "taskmaster":
                        if not hasattr(self, "launch_client"):
                            self.launch_client = launch_metrics.compile_client(self.dir)
                        r = launch_metrics.list_p99_taskmaster(self.dir, self.launch_client, peer, f, count,
                                                               self.args.spawn_timeout)
                    else:
                        r = launch_metrics.list_p99_supervisord(peer, f, count, self.args.spawn_timeout)
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    r = f"n/a ({e})"
                if isinstance(r, str):
                    self.record("spawn1000", metric, name, r, "ms", "≤ 50 ms")
                else:
                    self.record("spawn1000", metric, name, r[1], "ms", "≤ 50 ms",
                                f"p50 {r[0]:.1f} ms, max {r[2]:.1f} ms, N={r[3]}; load {os.getloadavg()[0]:.2f}")
                log(f"spawn1000: {name}: {metric}: {r}")
            finally:
                peer.kill()

    # -- 3. stop all -----------------------------------------------------------------------------------
    LAYOUTS = {"numprocs": "100 instances of 1 program", "programs": "100 programs"}
    STOP_METRICS = [("100 instances of 1 program: stop-all request → all stopped", "s", "≤ 1.1 s"),
                    ("100 instances of 1 program: SIGTERM to daemon → daemon exited, no child left", "s", "≤ 1.1 s"),
                    ("100 programs: stop-all request → all stopped", "s", "≤ 1.1 s"),
                    ("100 programs: SIGTERM to daemon → daemon exited, no child left", "s", "≤ 1.1 s")]

    def stop_metric(self, layout, method):
        return self.STOP_METRICS[(0 if layout == "numprocs" else 2) + (0 if method == "stop-all" else 1)][0]

    def bench_stopall(self):
        for layout in ("numprocs", "programs"):
            for name in self.order():
                peer = self.peers.get(name)
                if peer is None:
                    self.record_na("stopall", [m for m in self.STOP_METRICS if m[0].startswith(self.LAYOUTS[layout])],
                                   name, self.unavailable[name])
                    continue
                for method in ("stop-all", "sigterm"):
                    value, extra = self.stop_once(peer, layout, method)
                    self.record("stopall", self.stop_metric(layout, method), name, value, "s", "≤ 1.1 s", extra)

    def start_stop_client(self, peer):
        """Starts src/StopAll.java against the daemon and waits for its READY (connection warmed up)."""
        if not hasattr(self, "java_client"):
            self.java_client = self.compile_attach_client()
        java, cp = self.java_client
        proc = subprocess.Popen([java, "-cp", cp, "StopAll", os.path.join(peer.rundir, "tm.sock")],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env=dict(os.environ, BENCH_RUN=self.dir))
        line = proc.stdout.readline().strip()
        if line != "READY":
            proc.kill()
            raise NotAvailable(f"the stop-all client did not start: {line!r}")
        return proc

    def stop_once(self, peer, layout, method):
        n = self.args.stoppers
        f = os.path.join(self.dir, f"stopall-{layout}-{method}-{peer.key}.stamps")
        cmd = f"{self.stamp} {f} term"
        progs = [("stopper", cmd, "keep", n)] if layout == "numprocs" else \
            [(f"stopper{i:03d}", cmd, "keep") for i in range(n)]
        log(f"stopall: {peer.name}, {self.LAYOUTS[layout]}, {method}")
        peer.start(f"stopall-{layout}-{method}", progs)
        try:
            if not wait_for(lambda: count_starts(f) >= n, 60, peer, interval=0.02):
                return f"timeout ({count_starts(f)}/{n} started)", ""
            # Let every process become RUNNING (starttime/startsecs 1 s) before stopping.
            last = max(ns for k, ns, _ in read_stamps(f) if k == "start")
            time.sleep(max(0.0, (last - time.time_ns()) / 1e9 + 1.5))
            if peer.name == "supervisord" and not peer.wait_all_running(n, 20):
                return "timeout (not all RUNNING)", ""
            pids = [pid for k, _, pid in read_stamps(f) if k == "start"]
            live = [p for p in pids if procutil.alive(p)]
            if len(live) < n:
                return f"only {len(live)}/{n} alive before the stop", ""

            rpc_done = {}
            try:
                stopper = self.start_stop_client(peer) if method == "stop-all" and peer.name != "supervisord" else None
            except Exception as e:  # noqa: BLE001 - NotAvailable(Error): reported in the cell
                return f"n/a ({e})", ""
            t0 = time.time_ns()
            if stopper is not None:
                # StopProcesses(all, wait) on a connection opened beforehand (src/StopAll.java).
                stopper.stdin.write("go\n")
                stopper.stdin.flush()

                def answer():
                    line = stopper.stdout.readline().strip()
                    if not line.startswith("DONE"):
                        rpc_done["error"] = line or "no answer"
                    rpc_done["t"] = time.time_ns()
                threading.Thread(target=answer, daemon=True).start()
            elif method == "stop-all":
                def call():
                    try:
                        peer.rpc(timeout=300).supervisor.stopAllProcesses(True)
                    except Exception as e:  # noqa: BLE001 - reported, never fatal
                        rpc_done["error"] = repr(e)
                    rpc_done["t"] = time.time_ns()
                threading.Thread(target=call, daemon=True).start()
            else:
                os.kill(peer.pid, signal.SIGTERM)
            # supervisord shuts down one program (group) after the other: ~1 s each here.
            limit = self.args.stop_timeout
            deadline = time.monotonic() + limit
            t_children = t_daemon = None
            while True:
                now = time.time_ns()
                if t_children is None:
                    live = [p for p in live if procutil.alive(p)]
                    if not live:
                        t_children = now
                if method == "sigterm" and t_daemon is None and peer.exited():
                    t_daemon = now
                if t_children is not None and (t_daemon is not None or "t" in rpc_done):
                    break
                if time.monotonic() > deadline:
                    gone = n - len(live)
                    return f"> {limit:g} s ({gone}/{n} stopped by then)", \
                        "daemon still running" if not peer.exited() else ""
                procutil.reap(pids)   # orphans handed to us if the daemon left early
                time.sleep(0.002)
            end = max(t_children, t_daemon or 0, rpc_done.get("t", 0))
            terms = sorted(ns for k, ns, _ in read_stamps(f) if k == "term")
            extra = []
            if terms:
                extra.append(f"SIGTERMs arrived {(terms[0] - t0) / 1e9:.3f}–{(terms[-1] - t0) / 1e9:.3f} s")
            if t_daemon is not None and t_daemon < t_children:
                extra.append(f"DAEMON EXITED {(t_children - t_daemon) / 1e9:.3f} s BEFORE ITS CHILDREN WERE GONE")
            if "t" in rpc_done:
                extra.append(f"children gone {(t_children - t0) / 1e9:.3f} s, "
                             f"RPC returned {(rpc_done['t'] - t0) / 1e9:.3f} s")
            if "error" in rpc_done:
                extra.append(f"rpc error {rpc_done['error']}")
            value = (end - t0) / 1e9
            log(f"stopall: {peer.name} {method}: {value:.3f} s; " + "; ".join(extra))
            if stopper is not None:
                stopper.wait(timeout=30)
            return value, "; ".join(extra)
        finally:
            peer.kill()

    # -- 4. the CLI's status ------------------------------------------------------------------------------
    STATUS_METRICS = [("`status`, 10 programs, median of 20", "ms", "≤ supervisorctl"),
                      ("`status`, 1,000 programs, median of 10", "ms", "≤ 200 ms")]

    def bench_status(self):
        """Wall time of the peer's own CLI printing every process's status, as a user runs it:
        a new process each time (start-up included), all programs RUNNING, one untimed run first
        so that the disk cache holds the CLI's files."""
        for name in self.order():
            peer = self.peers.get(name)
            if peer is None:
                self.record_na("status", self.STATUS_METRICS, name, self.unavailable[name])
                continue
            for (metric, fmt, target), count, runs in zip(self.STATUS_METRICS, (10, self.args.programs), (20, 10)):
                f, progs = self.sleepers(peer, count, f"status{count}")
                log(f"status: {name}, {count} programs, {runs} runs")
                peer.start(f"status{count}", progs)
                try:
                    if not wait_for(lambda: count_starts(f) >= count, self.args.spawn_timeout, peer, interval=0.05):
                        self.record(f"status", metric, name, "n/a (programs did not start)", fmt, target)
                        continue
                    env = dict(os.environ, BENCH_RUN=self.dir, NO_COLOR="1", **peer.extra_env())
                    argv = peer.status_argv()
                    times, code = [], None
                    # RUNNING comes after starttime (taskmaster: 0 s here; supervisord: startsecs=0): wait for exit 0.
                    deadline = time.monotonic() + self.args.spawn_timeout
                    while subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
                        if time.monotonic() > deadline:
                            break
                        time.sleep(0.2)
                    for _ in range(runs):
                        t0 = time.perf_counter_ns()
                        r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                        times.append((time.perf_counter_ns() - t0) / 1e6)
                        code = r.returncode
                        lines = r.stdout.count(b"\n")
                    times.sort()
                    extra = f"N={runs}, min {times[0]:.0f}, max {times[-1]:.0f}, {lines} lines, exit {code}"
                    self.record("status", metric, name, median(times), fmt, target, extra)
                    log(f"status: {name}, {count} programs: median {median(times):.1f} ms ({extra})")
                finally:
                    peer.kill()

    # -- driver ------------------------------------------------------------------------------------------
    def order(self):
        return [n for n in ("taskmaster", "supervisord") if not self.args.only or n == self.args.only]

    def run(self):
        self.baseline = None
        self.load_start = os.getloadavg()[0]
        if self.load_start > 0.5:
            log(f"warning: load average is {self.load_start:.2f}: other work on this machine will skew the figures")
        self.setup_peers()
        loads = []
        for b in self.benches():
            loads.append(f"{b} {os.getloadavg()[0]:.1f}")
            getattr(self, "bench_" + b.replace("-", "_"))()
        # Every figure with its load (2 shared cores: absolute times move with it).
        self.notes.append("load average (1 min) at the start of each benchmark: " + ", ".join(loads)
                          + f"; at the end {os.getloadavg()[0]:.1f}.")


def size(text):
    """64M, 1G, 512K or a number of bytes; a multiple of 64 (spew's line length)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    try:
        n = int(t[:-1]) * units[t[-1]] if t and t[-1] in units else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 64M, 1G)")
    if n <= 0 or n % 64:
        raise argparse.ArgumentTypeError(f"{text}: must be a positive multiple of 64 bytes")
    return n


# --quick: shorter counts and windows (too small for the issue's figures); stopall, spawn1000 and status keep theirs.
QUICK = dict(respawns=50, sd_respawns=5, idle=5, settle=2, cli_runs=4, api_seconds=3, event_rounds=50,
             follow_rounds=15, sd_event_rounds=3, output_bytes=64 << 20, direct_runs=1)


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description="Taskmaster vs supervisord (and PM2) benchmarks.")
    ap.add_argument("bench", nargs="?", default="all",
                    choices=["all", "control", *CONTROL_BENCHES, *ISSUE17_BENCHES[:3], "memory", "output", *OUTPUT_BENCHES,
                             "streams", *STREAM_BENCHES],
                    help="all = " + ", ".join(ALL_BENCHES) + " (issue 17: every figure, ~16 minutes on 2 busy cores without memory; --quick shortens counts, "
                         "not stopall/spawn1000/status); "
                         "control = respawn, spawn1000, stopall, status; output = throughput, integrity, attach; "
                         "streams = stalled-viewers, shutdown-streams (Taskmaster only)")
    ap.add_argument("--skip", type=lambda t: [x for x in t.split(",") if x], default=[], metavar="B1,B2",
                    help="leave these benchmarks out of the run (e.g. --skip memory,throughput)")
    ap.add_argument("--quick", action="store_true",
                    help="shorter counts and windows where not given: " + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    ap.add_argument("--only", choices=["supervisord", "taskmaster", "pm2"])
    ap.add_argument("--respawns", type=int, default=200, help="respawns measured for taskmaster and the bash baseline (200)")
    ap.add_argument("--sd-respawns", type=int, default=20, help="respawns measured for supervisord (20; ~2 s each)")
    ap.add_argument("--programs", type=int, default=1000, help=argparse.SUPPRESS)
    ap.add_argument("--stoppers", type=int, default=100, help=argparse.SUPPRESS)
    ap.add_argument("--idle", type=float, default=30, help="idle CPU window in seconds (30)")
    ap.add_argument("--settle", type=float, default=5, help="wait after all are spawned before measuring RSS/CPU (5)")
    ap.add_argument("--spawn-timeout", type=float, default=60)
    ap.add_argument("--stop-timeout", type=float, default=120, help="give up a stop measurement after this many seconds (120)")
    ap.add_argument("--probe-timeout", type=float, default=15, help="how long taskmasterd gets to start one program (15)")
    api = ap.add_argument_group("issue 17: cli, api, events")
    api.add_argument("--cli-runs", type=int, default=10, help="bench/cli rounds in `all` and `cli` (10)")
    api.add_argument("--api-programs", type=int, default=100, help="programs of the API-under-load daemon (100)")
    api.add_argument("--api-seconds", type=float, default=10, help="length of each API load, in seconds (10)")
    api.add_argument("--event-rounds", type=int, default=200, help="kills timed at the WatchEvents client (200)")
    api.add_argument("--follow-rounds", type=int, default=50, help="kills timed through `events --follow --json` (50)")
    api.add_argument("--sd-event-rounds", type=int, default=10,
                     help="kills timed at supervisord's event listener (10; each respawn takes it ~1 s)")
    out = ap.add_argument_group("output benchmarks")
    out.add_argument("--output-bytes", type=size, default=None, metavar="SIZE",
                     help="bytes the throughput writer prints (1G; 256M within `all`; e.g. 64M for a smoke run)")
    out.add_argument("--direct-runs", type=int, default=3, help="direct-write baseline runs; the median is used (3)")
    out.add_argument("--output-timeout", type=float, default=600,
                     help="give up a throughput or integrity run after this many seconds (600)")
    out.add_argument("--integrity-runs", type=int, default=5, help="integrity runs per supervisor (5)")
    out.add_argument("--integrity-lines", type=int, default=500_000, help="lines per integrity run (500,000)")
    out.add_argument("--integrity-quiet", type=float, default=3,
                     help="after the writer's exit, a log that has not grown for this many seconds is final (3)")
    out.add_argument("--keystrokes", type=int, default=200, help="keystrokes timed through attach (200)")
    out.add_argument("--keystroke-warmup", type=int, default=20, help="untimed keystrokes first (20)")
    streams = ap.add_argument_group("stream benchmarks")
    streams.add_argument("--viewers", type=int, default=20, help="viewers that never read, in stalled-viewers (20)")
    streams.add_argument("--viewer-runs", type=int, default=3,
                         help="stalled-viewers runs with and without the viewers; the medians are used (3)")
    streams.add_argument("--shutdown-runs", type=int, default=5,
                         help="shutdown-streams runs with 0 and with 2 followers; the medians are used (5)")
    mem = ap.add_argument_group("memory benchmark (bench/run memory)")
    mem.add_argument("--crash-minutes", type=float, default=1,
                     help="how long the crash loop runs; RSS is read at its start and end (1; issue 17 measured 5)")
    mem.add_argument("--chatty-programs", type=int, default=500, help="programs printing more than their ring (500)")
    mem.add_argument("--chatty-bytes", type=size, default=2 << 20, metavar="SIZE",
                     help="what each of them prints, past its 1 MiB ring (2M)")
    ap.add_argument("--build", action="store_true", help="build taskmasterd first (./mvnw -q package -DskipTests)")
    ap.add_argument("--no-results", action="store_true", help="do not append to bench/results/<date>.md")
    args = ap.parse_args()
    if args.quick:
        for k, v in QUICK.items():
            if getattr(args, k) == ap.get_default(k):
                setattr(args, k, v)
    if args.output_bytes is None:
        args.output_bytes = (256 << 20) if args.bench == "all" else 1 << 30
    if args.only == "pm2" and args.bench not in ("output", "throughput", "integrity"):
        ap.error("PM2 takes part in the output benchmarks only (output, throughput, integrity)")
    rundir = os.environ.get("BENCH_DIR")
    if not rundir or not os.path.isdir(rundir):
        ap.error("run through bench/run (BENCH_DIR is not set)")
    procutil.become_subreaper()

    b = Bench(args, rundir)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        b.run()
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        sys.exit(130)
    finally:
        # Each peer's own kill first (for PM2: `pm2 kill`), then by pid whatever is left.
        for peer in b.peers.values():
            if not peer.exited():
                peer.kill()
        procutil.kill_marked(rundir, reap=True)
    md = report.render(b)
    print(md)
    if not args.no_results:
        path = report.append_results(BENCH, started, report.header(b, started, sys.argv[1:]) + md + "\n")
        log(f"results appended to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
