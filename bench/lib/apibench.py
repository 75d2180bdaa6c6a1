"""Issue 17's benchmarks of the API and of the CLI, mixed into bench.Bench (self.args, self.dir,
self.peers, self.record, ...), Taskmaster side by side with supervisord:

- cli:    bench/cli's rounds (each CLI call a new process; status, help, stop, start), run as a
          child and read back through its --json file;
- api:    the API under load: 100 clients calling ListProcesses in a loop, then 50 clients racing
          start/stop on 10 programs, with the daemon's peak RSS and CPU during each window
          (src/ApiLoad.java; supervisord: src/sd_apiload.py, the same calls over XML-RPC);
- events: SIGKILL of a supervised process → its exit event, and → RUNNING again: at a WatchEvents
          client (src/EventLatency.java), and through `taskmasterctl events --follow --json` as a
          script reads it (a pipe, timestamped here at each line); supervisord: an event listener
          (src/sd_listener.py) subscribed to PROCESS_STATE_EXITED / RUNNING.

Every process is started with the run marker and killed by pid (peer.kill(), lib/cleanup.py);
every wait has a deadline.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import procutil
from peers import ROOT, BENCH
from stamps import count_starts, median, percentile, wait_for

NA_PM2 = "n/a (PM2 takes part in the output benchmarks only)"


def kill_child(pid):
    """SIGKILL of a supervised process, by the pid its daemon reported: never 0 or below (which
    would be our own process group), never init."""
    if not isinstance(pid, int) or pid <= 1:
        raise ClientError(f"no process to kill (pid {pid!r})")
    os.kill(pid, signal.SIGKILL)


class ClientError(Exception):
    """A measurement that could not be made; the message goes into the table cell."""


class RssSampler:
    """The daemon's VmRSS every 50 ms on a thread of its own, while a load runs: the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, procutil.rss_kb(self.pid) or 0)
            self.stop.wait(0.05)

    def done(self):
        self.stop.set()
        self.thread.join(5)
        return max(self.peak, procutil.rss_kb(self.pid) or 0)


class ApiBenches:
    API_METRICS = [("100 clients calling ListProcesses in a loop, p50", "ms", None, "lower"),
                   ("100 clients calling ListProcesses in a loop, p99", "ms", "≤ 50 ms", "lower"),
                   ("50 clients racing start/stop on 10 programs, p50", "ms", None, "lower"),
                   ("50 clients racing start/stop on 10 programs, p99", "ms", "≤ 50 ms", "lower"),
                   ("daemon peak RSS during the two loads", "MB", "bounded: ≤ 96 MB", "lower")]
    EVENT_METRICS = [("SIGKILL → exit event at a WatchEvents client (supervisord: event listener), median", "ms", "≤ 1 ms", "lower"),
                     ("SIGKILL → RUNNING event at a WatchEvents client (supervisord: event listener), median", "ms", "≤ 2 ms", "lower"),
                     ("SIGKILL → exit line on `events --follow --json`'s stdout, median", "ms", None, "lower"),
                     ("SIGKILL → running line on `events --follow --json`'s stdout, median", "ms", None, "lower")]
    CLI_COMMANDS = ("status", "help", "stop", "start")
    CLI_METRICS = [(f"`taskmasterctl {c}` vs `supervisorctl {c}`, 10 programs, median", "ms", "≤ supervisorctl", "lower")
                   for c in CLI_COMMANDS] + [("peak RSS of one `status` call", "MB", None, "lower")]

    def _na(self, bench, metrics, peer, why):
        for metric, fmt, target, better in metrics:
            self.record(bench, metric, peer, why, fmt, target, better=better)

    # -- the Java clients ---------------------------------------------------------------------------
    def api_clients(self):
        """javac src/ApiLoad.java and src/EventLatency.java against the built client's jars (as
        bench/event-latency does); (java, classpath). Compiled once per run."""
        if getattr(self, "_api_clients", None):
            return self._api_clients
        jar = os.path.join(ROOT, "cli-client", "target", "taskmasterctl.jar")
        libdir = os.path.join(ROOT, "cli-client", "target", "lib")
        if not os.path.exists(jar) or not os.path.isdir(libdir):
            raise ClientError("client not built: cli-client/target missing (bench/run --build)")
        jdk = subprocess.run([os.path.join(ROOT, "bin", "lib", "find-jdk"), "--javac"],
                             capture_output=True, text=True, timeout=30)
        if jdk.returncode != 0:
            raise ClientError(f"no JDK ≥ 25 with javac: {jdk.stderr.strip()}")
        home = jdk.stdout.strip()
        cp = ":".join([jar] + sorted(os.path.join(libdir, j) for j in os.listdir(libdir) if j.endswith(".jar")))
        classes = os.path.join(self.dir, "api-classes")
        c = subprocess.run([os.path.join(home, "bin", "javac"), "-nowarn", "-d", classes, "-cp", cp,
                            os.path.join(BENCH, "src", "ApiLoad.java"), os.path.join(BENCH, "src", "EventLatency.java")],
                           capture_output=True, text=True, timeout=300, env=dict(os.environ, BENCH_RUN=self.dir))
        if c.returncode != 0:
            raise ClientError("the Java clients do not compile: " + c.stderr.strip()[-300:])
        self._api_clients = (os.path.join(home, "bin", "java"), classes + ":" + cp)
        return self._api_clients

    def client_argv(self, peer, *args):
        if peer.name == "supervisord":
            return [sys.executable, os.path.join(BENCH, "src", "sd_apiload.py"), os.path.join(self.dir, "sd.sock"), *args]
        java, cp = self.api_clients()
        return [java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "ApiLoad",
                os.path.join(self.dir, "tm.sock"), *args]

    # -- API under load -----------------------------------------------------------------------------
    def bench_api(self):
        m = self.API_METRICS
        programs, seconds = self.args.api_programs, self.args.api_seconds
        race = [f"sleeper{i:0{len(str(programs - 1))}d}" for i in range(min(10, programs))]
        self.notes.append(f"api: {programs} sleeping programs; each load runs {seconds:g} s after every connection is "
                          "warmed up; the clients (one JVM of 100 threads on 2 event-loop threads for taskmasterd, "
                          "4 python processes for supervisord's XML-RPC) share the machine's cores with the daemon. "
                          "Cells: calls answered, daemon CPU during the window.")
        for name in self.order():
            peer = self.peers.get(name)
            if peer is None:
                self._na("api", m, name, self.unavailable[name])
                continue
            f, progs = self.sleepers(peer, programs, "api")
            self.log(f"api: {name}, {programs} programs")
            peer.start("api", progs)
            try:
                if not wait_for(lambda: count_starts(f) >= programs, self.args.spawn_timeout, peer, 0.05):
                    self._na("api", m, name, f"n/a (programs did not start: {count_starts(f)}/{programs})")
                    continue
                if peer.name == "supervisord":
                    peer.wait_all_running(programs, 30)
                mpid = peer.measured_pid()
                peak = 0
                for (p50m, p99m), (mode, clients, extra) in zip(((m[0], m[1]), (m[2], m[3])),
                                                               (("list", 100, []), ("startstop", 50, race))):
                    try:
                        res, rss, cpu = self.api_load(peer, mpid, mode, clients, seconds, extra)
                    except ClientError as e:
                        self.log(f"api: {name} {mode}: n/a: {e}")
                        self._na("api", [p50m, p99m], name, f"n/a ({e})")
                        continue
                    p50, p99, hi, calls, failed, refused = res
                    peak = max(peak, rss)
                    note = f"N={calls:,}, max {hi:.0f} ms, daemon {cpu:.1f} CPU-s" + \
                           (f", {failed} failed" if failed else "") + (f", {refused} refused" if refused else "")
                    self.record("api", p50m[0], name, p50, "ms", p50m[2], note, better="lower")
                    self.record("api", p99m[0], name, p99, "ms", p99m[2], note, better="lower")
                    self.log(f"api: {name} {mode}: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({note}); peak RSS {rss / 1024:.1f} MB")
                if peak:
                    self.record("api", m[4][0], name, peak / 1024, "MB", m[4][2],
                                f"{procutil.rss_kb(mpid) / 1024:.1f} MB after", better="lower")
            finally:
                peer.kill()

    def api_load(self, peer, mpid, mode, clients, seconds, extra):
        """One load: ((p50, p99, max, calls, failed, refused), peak RSS kB, daemon CPU-s)."""
        p = subprocess.Popen(self.client_argv(peer, mode, str(clients), f"{seconds:g}", *extra), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, BENCH_RUN=self.dir))
        try:
            line = self.read_line(p, 180)
            if line != "READY":
                raise ClientError(f"the client did not start: {(line or p.stderr.read()[-300:]).strip()}")
            rss = RssSampler(mpid)
            c0 = procutil.cpu_ticks(mpid)
            p.stdin.write("go\n")
            p.stdin.flush()
            line = self.read_line(p, seconds + 180)
            cpu = ((procutil.cpu_ticks(mpid) or 0) - (c0 or 0)) / procutil.CLK_TCK
            peak = rss.done()
            kind, _, rest = (line or "NA no answer").partition(" ")
            if kind != "RESULT":
                raise ClientError(rest)
            v = rest.split()
            return (float(v[0]), float(v[1]), float(v[2]), int(v[3]), int(v[4]), int(v[5])), peak, cpu
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()

    @staticmethod
    def read_line(p, timeout):
        """The client's next stdout line, or None at its end or after timeout (then it is killed)."""
        box = []
        t = threading.Thread(target=lambda: box.append(p.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        if not box:
            p.kill()
            t.join(5)
        return box[0].strip() if box and box[0] else None

    # -- event latency ------------------------------------------------------------------------------
    def bench_events(self):
        m = self.EVENT_METRICS
        if "pm2" in self.peers or "pm2" in self.unavailable:
            # The issue quotes PM2's event bus (2.6 / 7.8 ms); this harness runs PM2 for output only.
            self._na("events", m, "pm2", "n/a (PM2's bus not measured by this harness)")
        for name in self.order():
            peer = self.peers.get(name)
            if peer is None:
                self._na("events", m, name, self.unavailable[name])
                continue
            f = os.path.join(self.dir, f"events-{peer.key}.stamps")
            if peer.name == "supervisord":
                self.sd_events(peer, f)
                continue
            self.log(f"events: {name}")
            # The respawn policy has backoff.reset_after 0 (peers.py): each kill is restarted at once.
            peer.start("events", [("victim", f"{self.stamp} {f} sleep", "respawn")])
            try:
                if not wait_for(lambda: count_starts(f) >= 1, 60, peer, 0.02):
                    self._na("events", m, name, "n/a (the program did not start)")
                    continue
                self.watch_events_latency(peer, m)
                self.follow_latency(peer, m)
            finally:
                peer.kill()

    def watch_events_latency(self, peer, m):
        """src/EventLatency.java: the client kills and times with its own clock (System.nanoTime)."""
        try:
            java, cp = self.api_clients()
        except ClientError as e:
            self._na("events", m[:2], peer.name, f"n/a ({e})")
            return
        rounds = self.args.event_rounds
        try:
            r = subprocess.run([java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "EventLatency",
                                os.path.join(self.dir, "tm.sock"), "victim", str(rounds)],
                               capture_output=True, text=True, timeout=60 + rounds, env=dict(os.environ, BENCH_RUN=self.dir))
            out = r.stdout
        except subprocess.TimeoutExpired:
            out = ""
        found = 0
        for metric, key in ((m[0], "EXITED"), (m[1], "RUNNING")):
            for line in out.splitlines():
                if line.startswith(f"SIGKILL -> {key} event:"):
                    # "SIGKILL -> EXITED event: median 1.234 ms, p99 5.678 ms (N=200)"
                    med = float(line.split("median ")[1].split()[0])
                    p99 = float(line.split("p99 ")[1].split()[0])
                    n = line.rsplit("(", 1)[1].rstrip(")")
                    self.record("events", metric[0], peer.name, med, "ms", metric[2], f"p99 {p99:.3f} ms, {n}")
                    self.log(f"events: {peer.name}: {line}")
                    found += 1
        if found < 2:
            self._na("events", m[:2], peer.name, "n/a (EventLatency: " + (out or "no answer").strip()[-200:] + ")")

    def follow_latency(self, peer, m):
        """`taskmasterctl events --follow --json victim` as a script runs it: each stdout line is
        timestamped here the moment it can be read from the pipe."""
        ctl = os.path.join(os.path.dirname(peer.binary), "taskmasterctl")
        env = dict(os.environ, BENCH_RUN=self.dir, NO_COLOR="1", **peer.extra_env())
        p = subprocess.Popen([ctl, "--socket", os.path.join(self.dir, "tm.sock"), "events", "--follow", "--json", "victim"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, bufsize=0)
        lines = queue.Queue()

        def reader():
            for raw in p.stdout:   # a binary unbuffered pipe: each line as soon as it is there
                lines.put((time.time_ns(), raw))
            lines.put((time.time_ns(), None))
        threading.Thread(target=reader, daemon=True).start()

        def next_json(deadline):
            while True:
                try:
                    t, raw = lines.get(timeout=max(0.01, deadline - time.monotonic()))
                except queue.Empty:
                    raise ClientError("no line in time from `events --follow`")
                if raw is None:
                    raise ClientError("`events --follow` ended: " + p.stderr.read().decode(errors="replace")[-200:])
                return t, json.loads(raw)

        rounds, warm = self.args.follow_rounds, 3
        exits, runs = [], []
        try:
            _, first = next_json(time.monotonic() + 60)
            pid = int(first["snapshot"]["processes"][0].get("pid") or 0)
            while pid <= 1:   # not running at the snapshot (between two lives): its next RUNNING event
                _, msg = next_json(time.monotonic() + 30)
                change = (msg.get("event") or {}).get("processStateChanged") or {}
                if change.get("toState") == "RUNNING":
                    pid = int(change["process"]["pid"])
            for i in range(rounds + warm):
                deadline = time.monotonic() + 15
                t0 = time.time_ns()
                kill_child(pid)   # the daemon's own child, by the pid the daemon reported
                t_exit = None
                while True:
                    t, msg = next_json(deadline)
                    change = (msg.get("event") or {}).get("processStateChanged")
                    if not change:
                        continue
                    if change.get("toState") == "EXITED" and t_exit is None:
                        t_exit = t
                    if change.get("toState") == "RUNNING":
                        pid = int(change["process"]["pid"])
                        break
                if i >= warm and t_exit is not None:
                    exits.append((t_exit - t0) / 1e6)
                    runs.append((t - t0) / 1e6)
        except (ClientError, KeyError, IndexError, ValueError, TypeError, OSError) as e:
            self.log(f"events: follow: n/a: {e!r}")
            self._na("events", m[2:], peer.name, f"n/a ({e})")
            return
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
        for metric, v in ((m[2], exits), (m[3], runs)):
            v.sort()
            self.record("events", metric[0], peer.name, median(v), "ms", metric[2],
                        f"p99 {percentile(v, 99):.3f} ms, N={len(v)}")
            self.log(f"events: follow: {metric[0]} {median(v):.3f} ms, p99 {percentile(v, 99):.3f} ms")

    def sd_events(self, peer, f):
        """supervisord's event listener: kill → its EXITED and RUNNING lines (src/sd_listener.py)."""
        m = self.EVENT_METRICS
        events = os.path.join(self.dir, "sd-events.stamps")
        listener = (f"\n[eventlistener:tmlistener]\ncommand={sys.executable} {os.path.join(BENCH, 'src', 'sd_listener.py')} "
                    f"{events}\nevents=PROCESS_STATE_EXITED,PROCESS_STATE_RUNNING\nbuffer_size=1000\nautorestart=true\n")
        base = type(peer).config_text
        peer.config_text = lambda programs: base(peer, programs) + listener
        self.log("events: supervisord (event listener)")
        peer.start("events", [("victim", f"{self.stamp} {f} sleep", "respawn")])
        self._na("events", m[2:], peer.name, "— (supervisorctl has no event stream)")

        def lines():
            try:
                with open(events) as fh:
                    return [l.split() for l in fh if l.endswith("\n")]
            except FileNotFoundError:
                return []

        def running_victim(after):
            return [l for l in lines()[after:] if len(l) == 4 and l[0] == "RUNNING" and l[3] == "victim"]
        exits, runs, warm, rounds = [], [], 1, self.args.sd_event_rounds
        try:
            if not wait_for(lambda: running_victim(0), 60, peer, 0.02):
                self._na("events", m[:2], peer.name, "n/a (no RUNNING event from the listener)")
                return
            for i in range(rounds + warm):
                seen = len(lines())
                pid = int(peer.rpc(timeout=10).supervisor.getProcessInfo("victim")["pid"])
                t0 = time.time_ns()
                kill_child(pid)
                if not wait_for(lambda: running_victim(seen), 30, peer, 0.005):
                    self._na("events", m[:2], peer.name, f"n/a (no RUNNING event within 30 s, round {i})")
                    return
                new = lines()[seen:]
                t_exit = next((int(l[1]) for l in new if len(l) == 4 and l[0] == "EXITED" and l[2] == str(pid)), None)
                t_run = int(running_victim(seen)[0][1])
                if i >= warm and t_exit:
                    exits.append((t_exit - t0) / 1e6)
                    runs.append((t_run - t0) / 1e6)
        except (ClientError, OSError, ValueError, KeyError) as e:
            self.log(f"events: supervisord: n/a: {e}")
            self._na("events", m[:2], peer.name, f"n/a ({e})")
            return
        finally:
            peer.kill()
            del peer.config_text
        for metric, v in ((m[0], exits), (m[1], runs)):
            v.sort()
            if v:
                self.record("events", metric[0], peer.name, median(v), "ms", metric[2],
                            f"event listener; p99 {percentile(v, 99):.3f} ms, N={len(v)}")
                self.log(f"events: supervisord: {metric[0]} {median(v):.3f} ms, p99 {percentile(v, 99):.3f} ms")

    # -- the CLI, call by call (bench/cli) ---------------------------------------------------------
    def bench_cli(self):
        m = self.CLI_METRICS
        out = os.path.join(self.dir, "cli.json")
        argv = [sys.executable, os.path.join(BENCH, "cli"), "--runs", str(self.args.cli_runs), "--no-results", "--json", out]
        if self.args.only:
            argv += ["--only", self.args.only]
        self.log(f"cli: bench/cli, {self.args.cli_runs} rounds")
        # TMPDIR: bench/cli's own run directory inside ours, so our marker covers what it starts.
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1800,
                           env=dict(os.environ, TMPDIR=self.dir, BENCH_RUN=self.dir))
        try:
            with open(out) as fh:
                got = json.load(fh)
        except (OSError, ValueError):
            why = f"n/a (bench/cli exited {r.returncode}: {(r.stderr or r.stdout).strip()[-200:]})"
            for name in self.order():
                self._na("cli", m, name, why)
            return
        for name in self.order():
            for c, metric in zip(self.CLI_COMMANDS, m):
                s = got.get(c, {}).get(name)
                if s is None:
                    self.record("cli", metric[0], name, self.unavailable.get(name, "not run"), "ms", metric[2])
                    continue
                self.record("cli", metric[0], name, s["median_ms"], "ms", metric[2],
                            f"p90 {s['p90_ms']:.0f} ms, peak RSS {s['rss_mb']:.0f} MB, N={s['n']}")
            s = got.get("status", {}).get(name)
            if s:
                self.record("cli", m[-1][0], name, s["rss_mb"], "MB", m[-1][2])
