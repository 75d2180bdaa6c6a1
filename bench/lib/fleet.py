"""bench/fleet: 50 real daemons over mutual TLS, one taskmaster-tui and taskmasterctl on all.

Run through bench/fleet, which makes the run directory (BENCH_DIR) and the cleanup trap.
Standard library only.  Every process started here gets BENCH_RUN=<run dir> in its environment
and its pid kept; all are stopped by pid at the end (Fleet.stop), and the trap's lib/cleanup.py
kills by pid whatever still carries the marker.
"""
import argparse
import datetime
import json
import math
import os
import platform
import queue
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
BIN = os.path.join(ROOT, "bin")


def log(msg):
    print(f"fleet: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """The run cannot go on; the message says why."""


def median(xs):
    return statistics.median(xs)


def nearest_rank(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))]


def free_port(ips):
    """A TCP port free on every one of ips (each daemon binds the same port on its own address)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 60000)
        socks = []
        try:
            for ip in ips:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.bind((ip, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise BenchError("no TCP port free on every address")


class Daemon:
    """One taskmasterd: its address, its directory, its JVM's pid."""

    def __init__(self, name, ip, port, d):
        self.name, self.ip, self.port, self.dir = name, ip, port, d
        self.socket = os.path.join(d, "tm.sock")
        self.config = os.path.join(d, "taskmaster.yaml")
        self.pidfile = os.path.join(d, "tm.pid")
        self.proc = None

    @property
    def address(self):
        return f"{self.ip}:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


class ControlClient:
    """A tmux control-mode client (tmux -C): commands and their output over one pipe, so a
    capture costs ~0.1 ms instead of a tmux process, and %output notifications say when the
    TUI wrote to its pane.  A reader thread queues every line."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def command(self, cmd, timeout=10.0):
        """Runs cmd; returns its output lines.  Notifications that come meanwhile are dropped."""
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        out, inside = [], False
        while True:
            line = self.lines.get(timeout=max(0.001, deadline - time.monotonic()))
            if line is None:
                raise BenchError("the tmux control client ended")
            if line.startswith("%begin"):
                inside = True
            elif inside and (line.startswith("%end") or line.startswith("%error")):
                if line.startswith("%error"):
                    raise BenchError(f"tmux: {cmd}: {' '.join(out)}")
                return out
            elif inside:
                out.append(line)

    def wait_output(self, timeout):
        """Waits until the pane printed something (an %output notification), or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                raise BenchError("the tmux control client ended")
            if line.startswith("%output"):
                return True

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass


class Fleet:
    def __init__(self, args):
        self.args = args
        self.dir = os.environ.get("BENCH_DIR")
        if not self.dir or not os.path.isdir(self.dir):
            raise BenchError("run me through bench/fleet (BENCH_DIR is not set)")
        self.env = dict(os.environ, BENCH_RUN=self.dir, XDG_CONFIG_HOME=os.path.join(self.dir, "config"),
                        XDG_STATE_HOME=os.path.join(self.dir, "state"), XDG_RUNTIME_DIR=os.path.join(self.dir, "run"))
        self.env.pop("TASKMASTER_CONTEXT", None)
        self.env.pop("TASKMASTER_JAVA_OPTS", None)
        self.tls = os.path.join(self.dir, "tls")
        self.daemons = []
        self.lab = None        # the daemon of the TLS-cost measurements (127.0.0.9)
        self.started = []      # every Popen, for stop()
        self.tmux_pid = None
        self.tui_pid = None
        self.control = None
        self.rows = []         # (metric, value, target)
        self.notes = []
        self.pids = {}         # (host, process) -> pid, from the fan-out status

    # -- set-up ------------------------------------------------------------------------------------
    def run_tool(self, argv, timeout=120, **kw):
        p = subprocess.run(argv, env=self.env, cwd=self.dir, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, **kw)
        if p.returncode != 0:
            raise BenchError(f"{' '.join(argv[:3])}… exited {p.returncode}: {p.stderr.strip()[-400:]}")
        return p.stdout

    def make_certificates(self, ips):
        log(f"tls init with {len(ips)} addresses; a client certificate (operator)")
        self.run_tool([os.path.join(BIN, "taskmasterd"), "tls", "init", self.tls, "--host", ",".join(ips)])
        self.run_tool([os.path.join(BIN, "taskmasterd"), "tls", "client", "bench", "--role", "operator", "--dir", self.tls])

    def write_config(self, d, programs, extra=""):
        os.makedirs(d.dir, exist_ok=True)
        t = self.tls
        with open(d.config, "w") as f:
            f.write(f"""# bench/fleet: {d.name}
server:
  instance: {d.name}
  pidfile: {d.pidfile}
  logfile: {d.dir}/tm.log
  logdir: {d.dir}/logs
  listen:
    - address: "{d.address}"
      tls: {{cert: {t}/server.crt, key: {t}/server.key, client_ca: {t}/ca.crt}}
programs:
  sleeper:
    cmd: sleep 1000000
    numprocs: {programs}
    starttime: 0
    autorestart: never
{extra}""")

    def daemon_argv(self, d):
        argv = [os.path.join(BIN, "taskmasterd")]
        if os.geteuid() == 0:
            argv.append("--allow-root")
        return argv + ["--no-stderr-log", "-c", d.config, "--socket", d.socket]

    def start_daemons(self, daemons):
        """Starts them a few at a time (a JVM start is CPU-bound; 50 at once on 2 cores only
        slow each other down), each ready when its pidfile is written (after its listeners)."""
        pending = list(daemons)
        running = []
        deadline = time.monotonic() + self.args.start_timeout
        while pending or running:
            while pending and len(running) < self.args.start_parallel:
                d = pending.pop(0)
                env = dict(self.env, XDG_RUNTIME_DIR=os.path.join(d.dir, "run"), XDG_STATE_HOME=os.path.join(d.dir, "state"))
                out = open(os.path.join(d.dir, "daemon.out"), "w")
                d.proc = subprocess.Popen(self.daemon_argv(d), env=env, cwd=d.dir, stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.STDOUT)
                out.close()
                self.started.append(d.proc)
                running.append(d)
            for d in list(running):
                if os.path.exists(d.pidfile):
                    running.remove(d)
                elif d.proc.poll() is not None:
                    raise BenchError(f"{d.name} exited {d.proc.returncode} at start: " + self.tail(os.path.join(d.dir, "daemon.out")))
            if time.monotonic() > deadline:
                raise BenchError(f"daemons not up within {self.args.start_timeout} s: {[d.name for d in running]}")
            time.sleep(0.05)
        for d in daemons:
            # bin/taskmasterd execs java: the pid started is the JVM's.
            exe = procutil.exe(d.pid) or ""
            if os.path.basename(exe) != "java":
                raise BenchError(f"{d.name}: pid {d.pid} is {exe!r}, not the JVM")

    @staticmethod
    def tail(path, n=600):
        try:
            with open(path) as f:
                return f.read()[-n:].strip()
        except OSError:
            return "(no output)"

    def write_contexts(self):
        """The contexts file as `taskmasterctl context add` writes it (0600 in a 0700 directory),
        one context per daemon; written directly since 50 JVM starts would add a minute."""
        cfg = os.path.join(self.dir, "config", "taskmaster")
        os.makedirs(cfg, mode=0o700, exist_ok=True)
        os.chmod(os.path.join(self.dir, "config"), 0o700)
        path = os.path.join(cfg, "contexts.yaml")
        t = self.tls
        lines = ["# bench/fleet", "contexts:"]
        for d in self.daemons:
            lines += [f"  {d.name}:", f"    server: {d.address}", f"    ca: {t}/ca.crt", f"    cert: {t}/bench.crt",
                      f"    key: {t}/bench.key"]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        listed = self.run_tool([os.path.join(BIN, "taskmasterctl"), "context", "list"])
        if len(listed.strip().splitlines()) != len(self.daemons) + 1:
            raise BenchError("taskmasterctl context list does not show every context:\n" + listed)

    def ctl(self, *args, timeout=60):
        return subprocess.run([os.path.join(BIN, "taskmasterctl"), *args], env=self.env, cwd=self.dir, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def wait_all_running(self):
        """Until one `taskmasterctl --all-contexts status --json` says every program of every
        daemon is RUNNING; keeps every pid for the kills."""
        total = len(self.daemons) * self.args.programs
        deadline = time.monotonic() + self.args.start_timeout
        last = ""
        while time.monotonic() < deadline:
            p = self.ctl("--all-contexts", "status", "--json")
            running = 0
            pids = {}
            for line in p.stdout.splitlines():
                o = json.loads(line)
                # taskmasterctl's JSON (docs/cli.md): "response" is null for a host that gave no
                # answer, states lose their PROCESS_STATE_ prefix, pids are numbers.
                for proc in (o["response"] or {}).get("processes", []):
                    if proc["state"] == "RUNNING":
                        running += 1
                        pids[(o["host"], proc["fullName"])] = int(proc["pid"])
            if p.returncode == 0 and running == total:
                self.pids = pids
                return
            last = f"exit {p.returncode}, {running}/{total} RUNNING; {p.stderr.strip()[-300:]}"
            time.sleep(1)
        raise BenchError(f"not every program RUNNING within {self.args.start_timeout} s: {last}")

    def setup(self):
        a = self.args
        ips = [f"127.0.0.{10 + i}" for i in range(a.hosts)]
        lab_ip = "127.0.0.9"
        port = free_port(ips + [lab_ip])
        self.make_certificates(ips + [lab_ip])
        width = len(str(a.hosts - 1))
        for i, ip in enumerate(ips):
            d = Daemon(f"host{i:0{width}d}", ip, port, os.path.join(self.dir, f"host{i:0{width}d}"))
            self.write_config(d, a.programs)
            self.daemons.append(d)
        self.lab = Daemon("lab", lab_ip, port, os.path.join(self.dir, "lab"))
        ready = os.path.join(self.lab.dir, "echo.ready")
        script = os.path.join(self.lab.dir, "echo.sh")
        os.makedirs(self.lab.dir, exist_ok=True)
        with open(script, "w") as f:
            # As bench/run attach: raw mode, no tty echo; the echo comes from cat, the program.
            f.write(f"echo ready > {ready}\nstty raw -echo 2>/dev/null\nexec cat\n")
        self.write_config(self.lab, a.programs, f"""  echo:
    cmd: /bin/sh {script}
    tty: true
    starttime: 0
""")
        log(f"starting {a.hosts} daemons on {ips[0]}…{ips[-1]}:{port} (+ lab on {lab_ip}), {a.start_parallel} at a time")
        t0 = time.monotonic()
        self.start_daemons(self.daemons + [self.lab])
        log(f"daemons up in {time.monotonic() - t0:.1f} s")
        self.write_contexts()
        self.wait_all_running()
        log(f"{len(self.pids)} programs RUNNING on {a.hosts} hosts")

    # -- 1. status fan-out ---------------------------------------------------------------------------
    def timed_ctl(self, *args):
        """Runs taskmasterctl once: (wall ms, its own CPU s, the daemons' CPU s meanwhile, result).
        bin/taskmasterctl execs java, so the child reaped is the client's JVM."""
        daemons = [d.pid for d in self.daemons + [self.lab]]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        d0 = sum(procutil.cpu_ticks(pid) or 0 for pid in daemons)
        t0 = time.monotonic()
        p = self.ctl(*args)
        wall = (time.monotonic() - t0) * 1000
        d1 = sum(procutil.cpu_ticks(pid) or 0 for pid in daemons)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu, (d1 - d0) / procutil.CLK_TCK, p

    def bench_status(self):
        a = self.args
        total = len(self.daemons) * a.programs
        times, cpus, dcpus = [], [], []
        for i in range(a.status_runs + 1):
            wall, cpu, dcpu, p = self.timed_ctl("--all-contexts", "status")
            rows = len(p.stdout.splitlines()) - 1
            if p.returncode != 0 or rows != total:
                raise BenchError(f"--all-contexts status: exit {p.returncode}, {rows} rows of {total}: {p.stderr.strip()[-300:]}")
            if i > 0:  # the first run warms the page cache
                times.append(wall)
                cpus.append(cpu)
                dcpus.append(dcpu)
        med = median(times)
        log(f"status fan-out: median {med:.0f} ms over {len(times)} runs ({min(times):.0f}–{max(times):.0f}); "
            f"client CPU {median(cpus):.2f} s, daemons' CPU {median(dcpus):.2f} s per run")
        self.rows.append((f"`taskmasterctl --all-contexts status`, {a.hosts} hosts × {a.programs} programs, wall time "
                          f"(a new process each run), median",
                          f"**{med:,.0f} ms** (min {min(times):,.0f}, max {max(times):,.0f}; N={len(times)}; {total} rows, "
                          f"exit 0). CPU per run, medians: the client {median(cpus):.2f} s, the {a.hosts} daemons "
                          f"{median(dcpus):.2f} s, all on this host's {os.cpu_count()} CPUs", "≤ 1 s", med <= 1000))

    # -- 2. the cost of TLS --------------------------------------------------------------------------
    def bench_tls_status(self):
        a = self.args
        tls = ["--server", self.lab.address, "--ca", f"{self.tls}/ca.crt", "--cert", f"{self.tls}/bench.crt",
               "--key", f"{self.tls}/bench.key"]
        unix = ["--socket", self.lab.socket]
        times = {"unix": [], "tls": []}
        cpus = {"unix": [], "tls": []}
        for i in range(a.tls_runs + 1):
            order = [("unix", unix), ("tls", tls)] if i % 2 == 0 else [("tls", tls), ("unix", unix)]
            for kind, flags in order:
                wall, cpu, _, p = self.timed_ctl(*flags, "status")
                if p.returncode != 0:
                    raise BenchError(f"status over {kind}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
                if i > 0:
                    times[kind].append(wall)
                    cpus[kind].append(cpu)
        mu, mt = median(times["unix"]), median(times["tls"])
        cu, ct = median(cpus["unix"]), median(cpus["tls"])
        log(f"status: unix {mu:.0f} ms ({cu:.2f} s CPU), mTLS {mt:.0f} ms ({ct:.2f} s CPU)")
        self.rows.append(("`taskmasterctl status` of one daemon, mTLS vs its Unix socket, median (interleaved, a new "
                          "process each run)", f"**{mt / mu:.2f}×** (mTLS {mt:.0f} ms, Unix socket {mu:.0f} ms; N={len(times['tls'])}"
                          f" each; the client's CPU {ct:.2f} s vs {cu:.2f} s: {ct / cu:.2f}×)", "—", None))

    def compile_attach_client(self):
        jar = os.path.join(ROOT, "cli-client", "target", "taskmasterctl.jar")
        libdir = os.path.join(ROOT, "cli-client", "target", "lib")
        jdk = subprocess.run([os.path.join(BIN, "lib", "find-jdk"), "--javac"], capture_output=True, text=True, timeout=30)
        if jdk.returncode != 0:
            raise BenchError(f"no JDK ≥ 25 with javac: {jdk.stderr.strip()}")
        home = jdk.stdout.strip()
        cp = ":".join([jar] + sorted(os.path.join(libdir, j) for j in os.listdir(libdir) if j.endswith(".jar")))
        classes = os.path.join(self.dir, "classes")
        self.run_tool([os.path.join(home, "bin", "javac"), "-nowarn", "-d", classes, "-cp", cp,
                       os.path.join(BENCH, "src", "AttachLatency.java")], timeout=300)
        return os.path.join(home, "bin", "java"), classes + ":" + cp

    def bench_tls_attach(self):
        a = self.args
        ready = os.path.join(self.lab.dir, "echo.ready")
        deadline = time.monotonic() + 30
        while not os.path.exists(ready):
            if time.monotonic() > deadline:
                raise BenchError("the echo program did not start")
            time.sleep(0.05)
        java, cp = self.compile_attach_client()
        targets = {"unix": [self.lab.socket],
                   "tls": [self.lab.address, "--ca", f"{self.tls}/ca.crt", "--cert", f"{self.tls}/bench.crt",
                           "--key", f"{self.tls}/bench.key"]}
        medians = {"unix": [], "tls": []}
        for i in range(a.attach_runs):
            for kind in (("unix", "tls") if i % 2 == 0 else ("tls", "unix")):
                target, *opts = targets[kind]
                argv = [java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "AttachLatency",
                        target, "echo", str(a.keystrokes), str(a.keystroke_warmup), *opts]
                p = subprocess.run(argv, env=self.env, cwd=self.dir, capture_output=True, text=True,
                                   timeout=60 + a.keystrokes * 6, stdin=subprocess.DEVNULL)
                out = (p.stdout.strip().splitlines() or [""])[-1]
                kind_, _, rest = out.partition(" ")
                if kind_ != "RESULT":
                    raise BenchError(f"attach over {kind}: {out or p.stderr.strip()[-300:]}")
                med, p99, lo, hi, n, tty = rest.split()
                if tty != "true":
                    raise BenchError("the echo program is not on a terminal")
                medians[kind].append(float(med))
        mu, mt = median(medians["unix"]), median(medians["tls"])
        log(f"attach echo: unix {mu:.2f} ms, mTLS {mt:.2f} ms (medians of {a.attach_runs} runs)")
        self.rows.append(("attach keystroke → echo of one daemon, mTLS vs its Unix socket, median",
                          f"**{mt / mu:.2f}×** (mTLS {mt:.2f} ms, Unix socket {mu:.2f} ms; median of the medians of "
                          f"{a.attach_runs} runs × {a.keystrokes} keystrokes each, interleaved: mTLS "
                          f"{', '.join(f'{x:.2f}' for x in medians['tls'])}; Unix "
                          f"{', '.join(f'{x:.2f}' for x in medians['unix'])})", "—", None))

    # -- 3. the TUI ----------------------------------------------------------------------------------
    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", os.path.join(self.dir, "tmux.sock"), "-f", "/dev/null", *args], env=self.env,
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)

    def start_tui(self):
        a = self.args
        tui = os.path.join(BIN, "taskmaster-tui")
        p = self.tmux("new-session", "-d", "-s", "tui", "-x", str(a.width), "-y", str(a.height), f"exec '{tui}' --all-contexts")
        if p.returncode != 0:
            raise BenchError(f"tmux new-session: {p.stderr.strip()}")
        self.tmux_pid = int(self.tmux("display-message", "-p", "#{pid}").stdout.strip())
        self.tui_pid = int(self.tmux("display-message", "-p", "-t", "tui", "#{pane_pid}").stdout.strip())
        # A control client must not shrink the window to its own default size.
        self.tmux("set-option", "-g", "window-size", "manual")
        self.control = ControlClient(["tmux", "-S", os.path.join(self.dir, "tmux.sock"), "-C", "attach", "-t", "tui"], self.env)
        self.started.append(self.control.proc)
        total = len(self.daemons) * a.programs
        want = f"{total} processes: {total} RUNNING"
        deadline = time.monotonic() + a.start_timeout
        while True:
            screen = self.capture()
            if any(want in line for line in screen):
                break
            if time.monotonic() > deadline:
                raise BenchError(f"the TUI never showed \"{want}\":\n" + "\n".join(screen[:6]))
            time.sleep(0.2)
        exe = procutil.exe(self.tui_pid) or ""
        if os.path.basename(exe) != "java":
            raise BenchError(f"the pane's process {self.tui_pid} is {exe!r}, not the TUI's JVM")
        log(f"TUI up ({a.width}x{a.height}), showing {want}")

    def capture(self):
        return self.control.command("capture-pane -p -t tui")

    def bench_tui_idle(self):
        a = self.args
        time.sleep(a.settle)  # start-up work (class loading, JIT, the first rounds of CPU/RSS polls) is not idle
        t0, c0 = time.monotonic(), procutil.cpu_ticks(self.tui_pid)
        time.sleep(a.idle)
        t1, c1 = time.monotonic(), procutil.cpu_ticks(self.tui_pid)
        rss = procutil.rss_kb(self.tui_pid) / 1024
        threads = len(os.listdir(f"/proc/{self.tui_pid}/task"))
        pct = 100 * (c1 - c0) / procutil.CLK_TCK / (t1 - t0)
        log(f"TUI idle: {pct:.2f} % of one core, RSS {rss:.0f} MB, {threads} threads")
        n = len(self.daemons)
        self.rows.append((f"taskmaster-tui, {n} hosts × {a.programs} programs, idle: CPU",
                          f"**{pct:.2f} %** of one core ({c1 - c0} ticks in {t1 - t0:.0f} s)", "—", None))
        self.rows.append((f"taskmaster-tui, {n} hosts × {a.programs} programs, idle: RSS",
                          f"**{rss:.0f} MB** ({threads} threads)", "—", None))

    def set_filter(self, host, row_re):
        """/ HOST Enter: only that host's rows (the filter matches names, groups, states and hosts);
        returns once the row to kill is on the screen, RUNNING."""
        self.control.command("send-keys -t tui /")
        self.control.command(f"send-keys -t tui -l {host}")
        self.control.command("send-keys -t tui Enter")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            screen = self.capture()
            if any(f'filter "{host}"' in line for line in screen[:3]) and \
                    any(row_re.search(line) and " RUNNING " in line for line in screen):
                return
            time.sleep(0.02)
        raise BenchError(f"the filter {host} never showed the row to kill:\n" + "\n".join(self.capture()[:8]))

    def bench_kills(self):
        a = self.args
        n = len(self.daemons)
        # A step prime to n: k * step mod n visits every host before any twice.
        step = next(s for s in (7, 11, 13, 17, 19, 23, 1) if math.gcd(s, n) == 1)
        latencies = []
        hosts_used = set()
        for k in range(a.kills):
            d = self.daemons[(k * step) % n]
            proc = f"sleeper:{(k * 3) % a.programs}"
            pid = self.pids.get((d.name, proc))
            stat = procutil.stat_fields(pid) if pid else None
            # Only a live child of the daemon this run started: never a pid that was reused.
            if stat is None or int(stat[1]) != d.pid or stat[0] == "Z":
                raise BenchError(f"{d.name} {proc}: pid {pid} is not a live child of the daemon (pid {d.pid})")
            row_re = re.compile(rf"^{re.escape(d.name)}\s+{re.escape(proc)}\s")
            self.set_filter(d.name, row_re)
            time.sleep(random.uniform(0.2, 0.7))   # any phase of the TUI's one-second clock
            t0 = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            seen = None
            deadline = t0 + 10
            while seen is None:
                if any(row_re.search(line) and " EXITED " in line for line in self.capture()):
                    seen = time.monotonic()
                    break
                if time.monotonic() > deadline:
                    raise BenchError(f"{d.name} {proc}: the row never showed EXITED")
                # The pane is read again as soon as the TUI writes to it (at most every 5 ms otherwise).
                self.control.wait_output(0.005)
            latencies.append((seen - t0) * 1000)
            hosts_used.add(d.name)
            del self.pids[(d.name, proc)]
        self.control.command("send-keys -t tui Escape")
        med, p90 = median(latencies), nearest_rank(latencies, 90)
        log(f"kill → row: median {med:.1f} ms, p90 {p90:.1f} ms, min {min(latencies):.1f}, max {max(latencies):.1f}"
            f" (N={len(latencies)}, {len(hosts_used)} hosts)")
        detail = (f"N={len(latencies)} kills on {len(hosts_used)} hosts; min {min(latencies):.1f}, max {max(latencies):.1f}")
        self.rows.append((f"SIGKILL → the row shows EXITED on the TUI's screen ({n} hosts over mTLS, read with tmux "
                          f"capture-pane), median", f"**{med:.1f} ms** ({detail})", "≤ 100 ms", med <= 100))
        self.rows.append(("the same, p90", f"{p90:.1f} ms", "—", None))
        self.kill_latencies = latencies

    # -- the end -------------------------------------------------------------------------------------
    def stop(self):
        """Every process started, by pid: the TUI's tmux server (the TUI with it), then each daemon
        asked to stop (SIGTERM: it stops its programs), then SIGKILL for what is left."""
        if self.control:
            self.control.close()
        for pid in (self.tui_pid, self.tmux_pid):
            if pid:
                procutil.kill_pids([pid], signal.SIGKILL)
        daemons = [d for d in self.daemons + ([self.lab] if self.lab else []) if d.proc]
        procutil.kill_pids([d.pid for d in daemons if d.proc.poll() is None], signal.SIGTERM)
        deadline = time.monotonic() + 20
        for d in daemons:
            try:
                d.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.started:
            if p.poll() is None:
                p.kill()
                p.wait()
        left = procutil.kill_marked(self.dir, timeout=15, reap=True)
        if left:
            log(f"could not kill {left}")

    def report(self, started, load_start, load_end):
        a = self.args
        lines = ["| metric | measured | target |", "|---|---|---|"]
        for metric, value, target, met in self.rows:
            verdict = "" if met is None else (" — met" if met else " — **not met**")
            lines.append(f"| {metric} | {value}{verdict} | {target} |")
        table = "\n".join(lines) + "\n"
        head = (f"\n## {started.strftime('%Y-%m-%d %H:%M:%S UTC')} — `bench/fleet {' '.join(sys.argv[1:])}`\n\n"
                f"Host: {os.cpu_count()} CPUs, Linux {platform.release()}, load average {load_start[0]:.2f} / "
                f"{load_start[1]:.2f} / {load_start[2]:.2f} at the start, {load_end[0]:.2f} / {load_end[1]:.2f} / "
                f"{load_end[2]:.2f} after the last measurement (the run's own {a.hosts + 1} daemons count in it); commit {self.commit()}; {a.hosts} daemons × {a.programs} programs "
                f"(+1 for the TLS comparison), mutual TLS.\n\n")
        print(head + table, end="")
        for note in self.notes:
            print(f"\nNote: {note}")
        if not a.no_results:
            os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
            path = os.path.join(BENCH, "results", started.strftime("%Y-%m-%d") + ".md")
            with open(path, "a") as f:
                f.write(head + table + "".join(f"\nNote: {n}\n" for n in self.notes) + "\n")
            log(f"appended to {os.path.relpath(path, ROOT)}")

    @staticmethod
    def commit():
        try:
            rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
            dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                   text=True, timeout=10).stdout.strip()
            return rev + (" (dirty)" if dirty else "")
        except (OSError, subprocess.TimeoutExpired):
            return "?"


def main():
    ap = argparse.ArgumentParser(prog="bench/fleet", description="Many daemons over mutual TLS: the TUI and the CLI on all of them.")
    ap.add_argument("--hosts", type=int, default=50, help="daemons, on 127.0.0.10 and up (default 50; at most 245)")
    ap.add_argument("--programs", type=int, default=20, help="sleeping programs per daemon (default 20)")
    ap.add_argument("--kills", type=int, default=25, help="SIGKILLs timed to the TUI's screen (default 25, on as many hosts)")
    ap.add_argument("--status-runs", type=int, default=10, help="timed `--all-contexts status` runs (default 10)")
    ap.add_argument("--tls-runs", type=int, default=20, help="timed status runs over each of mTLS and the socket (default 20)")
    ap.add_argument("--attach-runs", type=int, default=3, help="attach echo runs over each of mTLS and the socket (default 3)")
    ap.add_argument("--keystrokes", type=int, default=200, help="timed keystrokes per attach run (default 200)")
    ap.add_argument("--keystroke-warmup", type=int, default=20, help="untimed keystrokes first (default 20)")
    ap.add_argument("--idle", type=float, default=30, help="seconds of the TUI's idle window (default 30)")
    ap.add_argument("--settle", type=float, default=5, help="seconds left to the TUI before the idle window (default 5)")
    ap.add_argument("--width", type=int, default=200, help="the TUI's window (default 200x50)")
    ap.add_argument("--height", type=int, default=50)
    ap.add_argument("--start-parallel", type=int, default=4, help="daemons starting at once (default 4)")
    ap.add_argument("--start-timeout", type=float, default=300, help="seconds for everything to come up (default 300)")
    ap.add_argument("--only", choices=["status", "tls", "tui"], help="one part only (set-up is always done)")
    ap.add_argument("--no-results", action="store_true", help="do not append to bench/results/<date>.md")
    args = ap.parse_args()
    if not 1 <= args.hosts <= 245:
        ap.error("--hosts: 1 to 245 (127.0.0.10 to 127.0.0.254)")
    if args.kills > 0 and args.programs < 1:
        ap.error("--programs: at least 1")
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    if load_start[0] > 1.0:
        log(f"the load average is {load_start[0]:.2f}: other work on this host will show in the figures")
    procutil.become_subreaper()
    f = Fleet(args)
    try:
        f.setup()
        if args.only in (None, "status"):
            f.bench_status()
        if args.only in (None, "tls"):
            f.bench_tls_status()
            f.bench_tls_attach()
        if args.only in (None, "tui"):
            f.start_tui()
            f.bench_tui_idle()
            if args.kills > 0:
                f.bench_kills()
    except BenchError as e:
        log(str(e))
        f.stop()
        return 1
    except KeyboardInterrupt:
        f.stop()
        return 130
    load_end = os.getloadavg()  # before the stop: 51 JVMs shutting down would count in it
    f.stop()
    f.report(started, load_start, load_end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
