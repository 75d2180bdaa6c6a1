"""The pieces every scenario of bench/chaos uses: a real taskmasterd in a directory of its own,
the API prober and event recorder (src/ChaosProbe.java), the watch for processes left
unsupervised, time budgets, and what a scenario reports.

Every daemon is started with BENCH_RUN=<run dir> (bench/lib/cleanup.py kills what carries it,
whatever happens) and CHAOS_SCENARIO=<scenario dir> in its environment; programs inherit the
daemon's environment, so after a scenario any process still carrying its CHAOS_SCENARIO marker
was left behind.  Nothing is ever looked up or killed by name.
"""
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import procutil
from peers import ROOT, BENCH

API_GOAL_MS = 50.0
RSS_GOAL_MB = 64.0


def log(msg):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class ChaosError(Exception):
    """The scenario cannot go on; the message is the reason given in its verdict."""


class Budget:
    """A scenario's time budget: every wait is bounded by what is left of it."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, cap=None):
        left = max(0.0, self.end - time.monotonic())
        return left if cap is None else min(cap, left)

    def check(self, doing):
        if time.monotonic() > self.end:
            raise ChaosError(f"over its time budget of {self.seconds:g} s while {doing}")


def wait_until(cond, timeout, interval=0.02):
    """Polls cond() until it is true (returns True) or timeout passes (returns cond())."""
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return True
        if time.monotonic() > deadline:
            return bool(cond())
        time.sleep(interval)


@dataclass
class Outcome:
    """One row of the summary table.  failures: what broke the goal (the verdict is FAIL if
    any); notes: figures and remarks printed under the table."""
    name: str
    done: str = "—"
    lost: object = "—"
    crashes: int = 0
    unsupervised: int = 0
    api: str = "—"
    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    skipped: str = ""
    seconds: float = 0.0

    def fail(self, why):
        self.failures.append(why)

    @property
    def verdict(self):
        if self.skipped:
            return f"SKIP ({self.skipped})"
        if self.failures:
            shown = [f if len(f) <= 200 else f[:199] + "…" for f in self.failures[:3]]
            more = len(self.failures) - len(shown)
            return "**FAIL**: " + "; ".join(shown) + (f"; and {more} more (below)" if more else "")
        return "PASS"


def yaml_str(s):
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(str(s))


def program_yaml(name, cmd, **keys):
    text = f"  {name}:\n    cmd: {yaml_str(cmd)}\n"
    for k, v in keys.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, dict):
            v = "{" + ", ".join(f"{a}: {b}" for a, b in v.items()) + "}"
        elif isinstance(v, str) and not re.fullmatch(r"[A-Za-z0-9_.:-]+", v):
            v = yaml_str(v)
        text += f"    {k}: {v}\n"
    return text


# -- the daemon ---------------------------------------------------------------------------------------
class Daemon:
    """One real bin/taskmasterd, in the foreground as our child, in a session of its own, its
    socket, pidfile, log and program logs inside dir.  flags: the launcher's optional flags
    (--allow-root when root, --no-stderr-log), found once by the caller."""

    def __init__(self, run, dir, flags, nofile=None):
        self.run = run
        self.dir = dir
        self.flags = flags
        self.nofile = nofile
        self.proc = None
        self.config = os.path.join(dir, "taskmaster.yaml")
        self.socket = os.path.join(dir, "tm.sock")
        self.logfile = os.path.join(dir, "taskmasterd.log")
        self.out_path = os.path.join(dir, "taskmasterd.out")
        self.expected_exit = False
        self.crash_counted = False     # a scenario already counted this daemon's death as a crash
        self.t_start_ns = None
        os.makedirs(os.path.join(dir, "xdg-run"), mode=0o700, exist_ok=True)

    def server_yaml(self, logfile=None):
        return (f"server:\n  instance: chaos\n  pidfile: {yaml_str(os.path.join(self.dir, 'tm.pid'))}\n"
                f"  logfile: {yaml_str(logfile or self.logfile)}\n  logdir: {yaml_str(os.path.join(self.dir, 'logs'))}\n")

    def write_config(self, text, path=None):
        """Written to a new file and renamed over the old one: a reload never reads half of it."""
        path = path or self.config
        tmp = path + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def env(self):
        return dict(os.environ, BENCH_RUN=self.run.dir, CHAOS_SCENARIO=self.dir,
                    XDG_STATE_HOME=os.path.join(self.dir, "xdg-state"), XDG_RUNTIME_DIR=os.path.join(self.dir, "xdg-run"))

    def argv(self):
        argv = [self.run.taskmasterd, *self.flags, "-c", self.config, "--socket", self.socket]
        if self.nofile is not None:
            # prlimit sets the limit on itself and execs the launcher, which execs java: one pid.
            argv = [self.run.prlimit, f"--nofile={self.nofile}:{self.nofile}", "--", *argv]
        return argv

    def start(self):
        out = open(self.out_path, "ab")
        self.t_start_ns = time.time_ns()
        self.expected_exit = False
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                     env=self.env(), cwd=self.dir, start_new_session=True)
        out.close()
        return self.proc.pid

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_socket(self, timeout):
        """True once the socket exists (the API is bound); False if the daemon exits first."""
        return wait_until(lambda: os.path.exists(self.socket) or not self.alive(), timeout) and os.path.exists(self.socket)

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout=30):
        """SIGTERM, as an init system stops it: it stops its programs and exits.  Returns
        (exit code or None, seconds); SIGKILL after timeout (exit None then)."""
        if self.proc is None:
            return None, 0.0
        if not self.alive():
            return self.proc.returncode, 0.0
        self.expected_exit = True
        t0 = time.monotonic()
        self.signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            procutil.kill_pids([self.pid])
            self.proc.wait()
            code = None
        return code, time.monotonic() - t0

    def exited_unasked(self):
        """The daemon ended without being asked to: a crash."""
        return self.proc is not None and not self.expected_exit and self.proc.poll() is not None

    def output(self):
        return read_text(self.out_path)

    def log_text(self):
        return read_text(self.logfile)

    def crash_signs(self):
        """Lines of the daemon's output and log that only a crash leaves."""
        text = self.output() + "\n" + self.log_text()
        return [l.strip() for l in text.splitlines()
                if re.search(r"OutOfMemoryError|Exception in thread|A fatal error has been detected|hs_err_pid", l)][:3]

    def rss_mb(self):
        kb = procutil.rss_kb(self.pid) if self.alive() else None
        return None if kb is None else kb / 1024

    def cpu_ticks(self):
        return procutil.cpu_ticks(self.pid) if self.alive() else None

    def exit_reason(self):
        """"exit code N: " and the last line of its output that says what went wrong."""
        lines = [l.strip() for l in self.output().splitlines() if l.strip() and not re.match(r"\s*(at |\.\.\. \d+ more)", l)]
        # A located configuration error first (the first one), else the root cause of a stack
        # trace (its last "Caused by"), else the last line that complains.
        said = next((l for l in lines if re.match(r"\S+:\d+:\d+: ", l)), None) \
            or next((l for l in reversed(lines) if l.startswith("Caused by: ")), None) \
            or next((l for l in reversed(lines) if re.search(r"error|fail|cannot|exception|fatal", l, re.I)), lines[-1] if lines else "")
        code = self.proc.returncode if self.proc else None
        return f"exit code {code}" + (f": {said[:160]}" if said else "")


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# -- the prober ---------------------------------------------------------------------------------------
class Probe:
    """src/ChaosProbe.java against one daemon: Status (ListProcesses) every 10 ms while the
    scenario runs, every event of the daemon run recorded to events.jsonl."""

    def __init__(self, run, daemon, connect_timeout=60):
        self.run = run
        self.daemon = daemon
        self.events_path = os.path.join(daemon.dir, f"events-{int(time.time() * 1000)}.jsonl")
        self.lines = queue.Queue()
        self.first_answer_ns = None
        self.result = None
        self.proc = subprocess.Popen([*run.java, "ChaosProbe", daemon.socket, self.events_path, str(connect_timeout)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=dict(os.environ, BENCH_RUN=run.dir), cwd=daemon.dir, start_new_session=True)
        run.helpers.append(self.proc)
        threading.Thread(target=self._read, daemon=True).start()
        self._read_at = 0
        self._events = []

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _line(self, prefix, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith(prefix) or line.startswith("NA "):
                return line
            if time.monotonic() > deadline:
                return None

    def ready(self, timeout):
        """Waits for READY; raises ChaosError when the daemon never answered."""
        line = self._line("READY", timeout)
        if line is None or line.startswith("NA"):
            raise ChaosError("the API never answered" + (f" ({line[3:]})" if line else f" within {timeout:g} s"))
        self.first_answer_ns = int(line.split()[1])
        return self

    def _send(self, cmd):
        try:
            self.proc.stdin.write(cmd + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def go(self):
        self._send("go")
        return self

    def lap(self, timeout=10):
        """The figures of the calls since the previous lap: dict(p50, p99, max, calls) or None."""
        self._send("lap")
        line = self._line("LAP ", timeout)
        if not line or line.startswith("NA"):
            return None
        p = line.split()
        if p[1] == "-":
            return None
        return dict(p50=float(p[1]), p99=float(p[2]), max=float(p[3]), calls=int(p[4]))

    def list(self, timeout=10):
        """ListProcesses now, as a dict (protobuf's JSON); None if the call failed."""
        self._send("list")
        line = self._line("LIST ", timeout)
        if not line or line.startswith("NA"):
            return None
        data = json.loads(line[5:])
        return None if "error" in data else data

    def stop(self):
        """Stops the prober; returns its figures (also kept in self.result)."""
        if self.result is not None:
            return self.result
        if self.first_answer_ns is None:
            # Still waiting for the daemon to answer: nothing to report, nothing to wait for.
            procutil.kill_pids([self.proc.pid])
            self.proc.wait()
            self.result = dict(p50=None, p99=None, max=None, calls=0, failures=0, events=0, stream_end="never connected")
            return self.result
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        line = self._line("RESULT", 30)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            procutil.kill_pids([self.proc.pid])
            self.proc.wait()
        r = dict(p50=None, p99=None, max=None, calls=0, failures=0, events=0, stream_end="?")
        if line and line.startswith("RESULT"):
            p = line.split()
            f = lambda x: None if x == "-" else float(x)  # noqa: E731
            r = dict(p50=f(p[1]), p99=f(p[2]), max=f(p[3]), calls=int(p[4]), failures=int(p[5]), events=int(p[6]),
                     stream_end=p[7])
        self.result = r
        return r

    def events(self):
        """Every event recorded so far (the payload of each WatchEventsResponse.event), in order;
        the other messages (snapshot, events missed) are kept under their own key."""
        try:
            with open(self.events_path) as f:
                f.seek(self._read_at)
                chunk = f.read()
        except OSError:
            return self._events
        end = chunk.rfind("\n")
        if end >= 0:
            for line in chunk[:end].splitlines():
                if line.strip():
                    self._events.append(json.loads(line))
            self._read_at += len(chunk[:end + 1].encode())
        return self._events

    def missed(self):
        return [e for e in self.events() if "eventsMissed" in e]


def api_cell(outcome, results):
    """Fills the API column from one or more prober results and fails the goal when missed."""
    results = [r for r in results if r]
    if not results or not any(r["calls"] for r in results):
        outcome.api = "no calls"
        return
    p99 = max(r["p99"] for r in results if r["p99"] is not None)
    hi = max(r["max"] for r in results if r["max"] is not None)
    p50 = max(r["p50"] for r in results if r["p50"] is not None)
    calls = sum(r["calls"] for r in results)
    failed = sum(r["failures"] for r in results)
    outcome.api = f"{p99:.1f} / {hi:.0f} ms (p50 {p50:.1f}, N={calls:,}" + (f", {failed} failed)" if failed else ")")
    if failed:
        outcome.fail(f"{failed} Status calls failed")
    if p99 > API_GOAL_MS:
        outcome.fail(f"API p99 {p99:.1f} ms > {API_GOAL_MS:g} ms")


def state_of(p):
    return p.get("state", "PROCESS_STATE_UNSPECIFIED").removeprefix("PROCESS_STATE_")


# -- processes left unsupervised ------------------------------------------------------------------
class Leftovers:
    """Every process seen under the daemon during the scenario, by (pid, start time), sampled
    from /proc in the background, plus pids the scenario adds.  After the daemon has ended, a
    live process was left unsupervised if it is one of those (same pid and start time), or if it
    is a descendant of the harness (a subreaper: the orphans of a daemon come to it) that is not
    a helper of ours and belongs to a seen process's group or session or carries the daemon's
    CHAOS_SCENARIO marker.  pid_max is 32,768 here: a pid alone could name an unrelated process
    by now, so nothing outside the harness's own tree is ever matched by group or marker."""

    def __init__(self, daemon_dir):
        self.marker = b"CHAOS_SCENARIO=" + daemon_dir.encode()
        self.seen = {}        # pid -> start time (field 22 of /proc/PID/stat)
        self.daemons = []
        self._stop = threading.Event()
        self._thread = None

    @staticmethod
    def start_time(pid):
        f = procutil.stat_fields(pid)
        return None if f is None else f[19]

    def add(self, pid):
        st = self.start_time(pid)
        if st is not None:
            self.seen.setdefault(pid, st)

    def watch(self, daemon):
        self.daemons.append(daemon)
        if self._thread is None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()

    def _sample(self):
        while not self._stop.wait(0.2):
            self.sample()

    def sample(self):
        cmap = procutil.children_map()
        for d in self.daemons:
            if d.alive():
                for pid in procutil.descendants(d.pid, cmap):
                    self.add(pid)

    def collect(self, helpers=()):
        """After every daemon has ended: kills and returns the processes left behind, each as
        'pid command'.  helpers: pids of our own clients (they and their descendants are ours)."""
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        cmap = procutil.children_map()
        mine = set(procutil.descendants(os.getpid(), cmap))
        for h in helpers:
            mine.discard(h)
            mine -= set(procutil.descendants(h, cmap))
        pids = set(self.seen)
        left = []
        for pid in procutil.all_pids():
            f = procutil.stat_fields(pid)
            if f is None or f[0] == "Z" or pid in helpers:
                continue
            if pid in self.seen and self.seen[pid] == f[19]:
                left.append(pid)
            elif pid in mine:
                env = procutil.read(f"/proc/{pid}/environ", "rb") or b""
                if int(f[2]) in pids or int(f[3]) in pids or self.marker in env.split(b"\0"):
                    left.append(pid)
        descr = [f"{p} {os.path.basename((procutil.cmdline(p) or [b'?'])[0].decode(errors='replace'))}" for p in left]
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            procutil.kill_pids(left)
            procutil.reap(left)
            time.sleep(0.05)
            left = [p for p in left if procutil.alive(p)]
        procutil.reap_children()
        return descr


# -- the run ------------------------------------------------------------------------------------------
class Run:
    """What all scenarios share: the run directory, the programs compiled into it, the Java
    clients, the launcher's flags."""

    def __init__(self, args, rundir):
        self.args = args
        self.dir = rundir
        self.taskmasterd = os.environ.get("BENCH_TASKMASTERD") or os.path.join(ROOT, "bin", "taskmasterd")
        self.ctl = os.path.join(os.path.dirname(self.taskmasterd), "taskmasterctl")
        self.prlimit = "/usr/bin/prlimit" if os.path.exists("/usr/bin/prlimit") else "prlimit"
        self.flags = []
        self.version = "?"
        self.java = None
        self.helpers = []
        self.mounts = []
        self.stamp = os.path.join(rundir, "stamp")
        self.spew = os.path.join(rundir, "spew")
        self.seqlines = os.path.join(rundir, "seqlines")

    def setup(self):
        h = subprocess.run([self.taskmasterd, "--help"], capture_output=True, text=True, timeout=60)
        if h.returncode != 0:
            raise ChaosError(f"taskmasterd --help exited {h.returncode}: {h.stderr.strip()[-200:]}")
        if os.geteuid() == 0 and "--allow-root" in h.stdout:
            self.flags.append("--allow-root")
        if "--no-stderr-log" in h.stdout:
            self.flags.append("--no-stderr-log")
        v = subprocess.run([self.taskmasterd, "--version"], capture_output=True, text=True, timeout=60)
        self.version = v.stdout.strip() or "?"
        self.java = self.compile_clients()

    def compile_clients(self):
        """javac the Java clients of bench/src against the built client's jars (as bench/run)."""
        jar = os.path.join(ROOT, "cli-client", "target", "taskmasterctl.jar")
        libdir = os.path.join(ROOT, "cli-client", "target", "lib")
        if not os.path.exists(jar) or not os.path.isdir(libdir):
            raise ChaosError("client not built: cli-client/target missing (./mvnw -q package -DskipTests)")
        jdk = subprocess.run([os.path.join(ROOT, "bin", "lib", "find-jdk"), "--javac"], capture_output=True, text=True,
                             timeout=30)
        if jdk.returncode != 0:
            raise ChaosError(f"no JDK ≥ 25 with javac: {jdk.stderr.strip()}")
        home = jdk.stdout.strip()
        cp = ":".join([jar] + sorted(os.path.join(libdir, j) for j in os.listdir(libdir) if j.endswith(".jar")))
        classes = os.path.join(self.dir, "classes")
        c = subprocess.run([os.path.join(home, "bin", "javac"), "-nowarn", "-d", classes, "-cp", cp,
                            os.path.join(BENCH, "src", "ChaosProbe.java"), os.path.join(BENCH, "src", "NonReadingViewers.java")],
                           capture_output=True, text=True, timeout=300, env=dict(os.environ, BENCH_RUN=self.dir))
        if c.returncode != 0:
            raise ChaosError("the Java clients do not compile: " + c.stderr.strip()[-300:])
        return [os.path.join(home, "bin", "java"), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", classes + ":" + cp]

    def stop_helpers(self):
        for p in self.helpers:
            if p.poll() is None:
                procutil.kill_pids([p.pid])
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        self.helpers = [p for p in self.helpers if p.poll() is None]

    def umount_all(self):
        for m in reversed(self.mounts):
            subprocess.run(["umount", m], capture_output=True, timeout=30)
            if os.path.ismount(m):
                subprocess.run(["umount", "-l", m], capture_output=True, timeout=30)
        self.mounts = [m for m in self.mounts if os.path.ismount(m)]
