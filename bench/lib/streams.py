"""The stream benchmarks of issue 11, mixed into bench.Bench: what viewers that never read cost
a program writing flat out, and how long a shutdown takes with `events --follow` clients open.

    stalled-viewers   the throughput writer (src/spew.c) with 0 and then 20 AttachOutput
                      viewers that never read (src/StalledViewers.java): throughput and daemon
                      CPU, and whether each viewer, reading again, is told what it missed
    shutdown-streams  a daemon with nothing running, 0 and then 2 `taskmasterctl events
                      --follow` clients: from the Shutdown request (src/ShutdownTiming.java,
                      on a warm connection) to the daemon's exit, and how the clients end

Taskmaster only: no peer has either kind of stream.
"""
import os
import signal
import statistics
import subprocess
import time

import procutil
from output import GIB, MIB, POLL, NotAvailableError, file_size, open_gate, read_stamp, size_text, wait_idle
from peers import Program, ROOT

# What the writer prints before the measured part: enough for every viewer to fill its
# flow-control window (gRPC's 1 MiB) and stall, and for the JIT to compile both paths.
WARM = 64 * MIB


class StreamBenches:
    """Mixed into bench.Bench (self.args, self.dir, self.peers, self.record, ...)."""

    VIEWER_METRICS = [("throughput, no viewer", "MiB/s", None, "higher"),
                      ("throughput, 20 viewers that never read", "MiB/s", None, "higher"),
                      ("throughput with 20 stalled viewers / without", "x", "≥ 0.9×", None),
                      ("daemon CPU per GiB, no viewer", "cpu", None, "lower"),
                      ("daemon CPU per GiB, 20 viewers that never read", "cpu", None, "lower"),
                      ("daemon CPU with 20 stalled viewers / without", "x", "≤ 1.1×", None),
                      ("stalled viewers told exactly what they missed when they read again", "", "all", None)]
    SHUTDOWN_METRICS = [("Shutdown request → daemon exited, no follower", "s", "≤ 0.5 s", "lower"),
                        ("Shutdown request → daemon exited, 2 `events --follow`", "s", "≤ 0.5 s", "lower"),
                        ("Shutdown request → daemon exited, 2 frozen `events --follow`", "s", "≤ 0.5 s", "lower"),
                        ("with 2 followers / without", "x", "≤ 1.2×", None),
                        ("how the `events --follow` clients ended", "", "exit 0, the shutdown event last", None)]

    # -- 1. viewers that never read ------------------------------------------------------------------
    def bench_stalled_viewers(self):
        metrics = self.VIEWER_METRICS
        peer = self.peers.get("taskmaster")
        if peer is None:
            self.record_na_m("stalled-viewers", metrics, "taskmaster", self.unavailable["taskmaster"])
            return
        try:
            java, cp = self.compile_attach_client()
        except NotAvailableError as e:
            self.record_na_m("stalled-viewers", metrics, "taskmaster", f"n/a ({e})")
            return
        n, viewers, runs = self.args.output_bytes, self.args.viewers, self.args.viewer_runs
        self.notes.append(f"stalled-viewers: {size_text(n)} written flat out by spew (256 KiB write(2)s) to a log "
                          f"file, alone and with {viewers} AttachOutput viewers, each on its own connection, "
                          "that take AttachStarted and then never ask gRPC for another message.  The same program "
                          f"first writes {size_text(WARM)} (not timed), so that the JIT has compiled both paths and "
                          "each viewer has filled its flow-control window and stalled; what is timed is the cost "
                          f"of viewers that do not read.  {runs} runs of each, interleaved, medians.")
        times = {0: [], viewers: []}
        ticks = {0: [], viewers: []}
        told = []
        for i in range(runs):
            for v in (0, viewers):
                self.log(f"stalled-viewers: run {i + 1}/{runs}, {v} viewers, {size_text(n)}")
                try:
                    t, c, resumed = self.viewers_once(peer, java, cp, v, f"viewers-{v}-{i}")
                except NotAvailableError as e:
                    self.log(f"stalled-viewers: {v} viewers: {e}")
                    continue
                finally:
                    peer.kill()
                times[v].append(t)
                ticks[v].append(c)
                if v:
                    told.append(resumed)
                self.log(f"stalled-viewers: {v} viewers: {t:.3f} s ({n / MIB / t:,.0f} MiB/s), "
                         f"daemon CPU {c / procutil.CLK_TCK / (n / GIB):.3f} s/GiB ({c} ticks)"
                         + (f"; then {resumed[1]}" if v else ""))
        if not times[0] or not times[viewers]:
            self.record_na_m("stalled-viewers", metrics, "taskmaster", "n/a (no run completed)")
            return
        mibs = {v: n / MIB / statistics.median(ts) for v, ts in times.items()}
        cpu = {v: statistics.median(cs) / procutil.CLK_TCK / (n / GIB) for v, cs in ticks.items()}

        def spread(v):
            return "runs: " + ", ".join(f"{n / MIB / t:,.0f}" for t in times[v])

        self.record("stalled-viewers", metrics[0][0], "taskmaster", mibs[0], "MiB/s", None, spread(0), better="higher")
        self.record("stalled-viewers", metrics[1][0], "taskmaster", mibs[viewers], "MiB/s", None, spread(viewers),
                    better="higher")
        self.record("stalled-viewers", metrics[2][0], "taskmaster", mibs[viewers] / mibs[0], "x", metrics[2][2],
                    better=None)
        self.record("stalled-viewers", metrics[3][0], "taskmaster", cpu[0], "cpu", None,
                    "ticks: " + ", ".join(map(str, ticks[0])))
        self.record("stalled-viewers", metrics[4][0], "taskmaster", cpu[viewers], "cpu", None,
                    "ticks: " + ", ".join(map(str, ticks[viewers])))
        self.record("stalled-viewers", metrics[5][0], "taskmaster", cpu[viewers] / cpu[0] if cpu[0] else "n/a", "x",
                    metrics[5][2], better=None)
        ok = sum(1 for good, _ in told if good)
        self.record("stalled-viewers", metrics[6][0], "taskmaster", f"every viewer in {ok} of {len(told)} runs", "",
                    metrics[6][2], told[-1][1] if told else "", better=None)

    def viewers_once(self, peer, java, cp, viewers, tag):
        """(seconds from spew's start until the log holds every byte, daemon CPU ticks in between,
        (every viewer told what it missed, a description)) for one run with `viewers` stalled viewers.

        One program runs spew twice: WARM bytes (not timed: the viewers fill their windows and
        stall, the JIT compiles), then the measured count.  Each spew waits at a gate of its own."""
        n = self.args.output_bytes
        d = self.dir
        gates = [os.path.join(d, f"{tag}.gate{k}") for k in (1, 2)]
        stamps = [os.path.join(d, f"{tag}.stamps{k}") for k in (1, 2)]
        log = os.path.join(d, f"{tag}.log")
        for f in gates + stamps + [log]:
            if os.path.lexists(f):
                os.unlink(f)
        for g in gates:
            os.mkfifo(g, 0o600)
        cmd = (f"/bin/sh -c '{self.spew} bytes {WARM} {gates[0]} {stamps[0]} && "
               f"exec {self.spew} bytes {n} {gates[1]} {stamps[1]}'")
        peer.start(tag, [Program("writer", cmd, "once", stdout=log)])
        client = None
        alive = lambda: not peer.exited()  # noqa: E731
        try:
            if not self.wait_stamp(stamps[0], "ready", self.args.probe_timeout + 30, alive):
                raise NotAvailableError(f"the writer was not started: {peer.output_tail()}")
            if viewers:
                client = self.start_stalled_viewers(java, cp, viewers)
            if not open_gate(gates[0], 10, peer):
                raise NotAvailableError("the writer did not open its first gate")
            if not self.wait_stamp(stamps[1], "ready", self.args.output_timeout, alive):
                raise NotAvailableError("the warm-up did not finish")
            while file_size(log) < WARM:
                if peer.exited():
                    raise NotAvailableError(f"taskmasterd exited: {peer.output_tail()}")
                time.sleep(POLL)
            pid = peer.measured_pid()
            if not wait_idle(pid):
                self.log("stalled-viewers: the daemon never went idle after the warm-up; its CPU figure includes other work")
            os.sync()
            c0 = procutil.cpu_ticks(pid)
            if not open_gate(gates[1], 10, peer):
                raise NotAvailableError("the writer did not open its second gate")
            deadline = time.monotonic() + self.args.output_timeout
            while file_size(log) < WARM + n:
                if time.monotonic() > deadline:
                    raise NotAvailableError(f"timeout: {file_size(log) - WARM:,}/{n:,} bytes in the log")
                if peer.exited():
                    raise NotAvailableError(f"taskmasterd exited: {peer.output_tail()}")
                time.sleep(POLL)
            t_done = time.time_ns()
            c1 = procutil.cpu_ticks(pid)
            start = read_stamp(stamps[1], "start")
            resumed = self.resume_viewers(client, viewers) if client else (True, "")
            return (t_done - start) / 1e9, c1 - c0, resumed
        finally:
            if client is not None and client.poll() is None:
                procutil.kill_pids([client.pid])
                client.wait()
            for f in gates + [log]:   # a GiB log must not stay on disk
                if os.path.lexists(f):
                    os.unlink(f)

    def wait_stamp(self, path, kind, timeout, alive):
        deadline = time.monotonic() + timeout
        while read_stamp(path, kind) is None:
            if not alive() or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def start_stalled_viewers(self, java, cp, count):
        p = subprocess.Popen([java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                              "StalledViewers", os.path.join(self.dir, "tm.sock"), "writer", str(count)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=dict(os.environ, BENCH_RUN=self.dir), cwd=self.dir, start_new_session=True)
        line = p.stdout.readline().strip()
        if line != "READY":
            procutil.kill_pids([p.pid])
            p.wait()
            raise NotAvailableError(f"the viewers did not attach: {line or 'no answer'}")
        return p

    def resume_viewers(self, p, count):
        """(every viewer was told exactly what it missed, a description) once the viewers read again."""
        p.stdin.write("resume\n")
        p.stdin.flush()
        line = p.stdout.readline().strip()
        kind, _, rest = line.partition(" ")
        if kind != "RESUMED":
            return False, f"not resumed: {line or 'no answer'}"
        done, exact, skips, skipped, end = (int(x) for x in rest.split())
        return done == count and exact == count, \
            (f"{done}/{count} viewers read to the end, {exact} told exactly what they missed "
             f"({skips} OutputSkipped, {skipped / count / MIB:,.0f} MiB skipped per viewer of {end / MIB:,.0f} MiB)")

    # -- 2. shutdown with followers ----------------------------------------------------------------------
    # (label, followers, frozen): frozen followers are SIGSTOPped just before the request and let go
    # once the daemon has exited, as a client that cannot read (a suspended terminal) would be.
    SHUTDOWN_CASES = [("none", 0, False), ("2", 2, False), ("2 frozen", 2, True)]

    def bench_shutdown_streams(self):
        metrics = self.SHUTDOWN_METRICS
        peer = self.peers.get("taskmaster")
        if peer is None:
            self.record_na_m("shutdown-streams", metrics, "taskmaster", self.unavailable["taskmaster"])
            return
        try:
            java, cp = self.compile_attach_client()
        except NotAvailableError as e:
            self.record_na_m("shutdown-streams", metrics, "taskmaster", f"n/a ({e})")
            return
        runs = self.args.shutdown_runs
        self.notes.append("shutdown-streams: a daemon whose one program has exited (nothing running); the Shutdown "
                          "request on a connection warmed up beforehand; the time runs until the daemon's process "
                          "has exited (waitpid); followers are real `taskmasterctl events --follow`, frozen ones "
                          "SIGSTOPped before the request and let go (SIGCONT) once the daemon has exited; "
                          f"{runs} runs of each, interleaved, medians.")
        times = {label: [] for label, _, _ in self.SHUTDOWN_CASES}
        endings = {label: [] for label, _, _ in self.SHUTDOWN_CASES}
        for i in range(runs):
            for label, followers, frozen in self.SHUTDOWN_CASES:
                self.log(f"shutdown-streams: run {i + 1}/{runs}, followers: {label}")
                try:
                    t, ended = self.shutdown_once(peer, java, cp, followers, frozen, f"shutdown-{followers}{frozen:d}-{i}")
                except NotAvailableError as e:
                    self.log(f"shutdown-streams: followers {label}: {e}")
                    continue
                finally:
                    peer.kill()
                times[label].append(t)
                if followers:
                    endings[label].append(ended)
                self.log(f"shutdown-streams: followers {label}: daemon exited {t:.3f} s after the request"
                         + (f"; followers: {ended}" if followers else ""))
        if not all(times.values()):
            self.record_na_m("shutdown-streams", metrics, "taskmaster", "n/a (not every case completed)")
            return
        med = {label: statistics.median(ts) for label, ts in times.items()}
        for (label, _, _), metric in zip(self.SHUTDOWN_CASES, metrics):
            self.record("shutdown-streams", metric[0], "taskmaster", med[label], "s", metric[2],
                        "runs: " + ", ".join(f"{t:.3f}" for t in times[label]))
        self.record("shutdown-streams", metrics[3][0], "taskmaster", med["2"] / med["none"], "x", metrics[3][2],
                    better=None)
        self.record("shutdown-streams", metrics[4][0], "taskmaster",
                    " · ".join(f"{label}: " + "; ".join(sorted(set(endings[label]))) for label, f, _ in self.SHUTDOWN_CASES
                               if f), "", metrics[4][2], better=None)

    def shutdown_once(self, peer, java, cp, followers, frozen, tag):
        """(seconds from the Shutdown request to the daemon's exit, how the followers ended)."""
        peer.start(tag, [Program("done", "true", "once")])
        procs = []
        try:
            sock = os.path.join(self.dir, "tm.sock")
            env = dict(os.environ, BENCH_RUN=self.dir, NO_COLOR="1")
            ctl = os.path.join(ROOT, "bin", "taskmasterctl")
            deadline = time.monotonic() + self.args.probe_timeout + 30
            while subprocess.run([ctl, "--socket", sock, "status", "done"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout.find("EXITED") < 0:
                if peer.exited() or time.monotonic() > deadline:
                    raise NotAvailableError("the daemon did not come up (or its program did not exit)")
                time.sleep(0.1)
            outs = []
            for k in range(followers):
                out = os.path.join(self.dir, f"{tag}-follower{k}.out")
                outs.append(out)
                with open(out, "w") as f:
                    procs.append(subprocess.Popen([ctl, "--socket", sock, "events", "--follow"], env=env, stdout=f,
                                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.dir,
                                                  start_new_session=True))
            for out in outs:
                if not self.wait_text(out, "snapshot at", 60, peer):
                    raise NotAvailableError(f"a follower did not get its snapshot: {self.last_line(out)}")
            client = subprocess.Popen([java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                                       "ShutdownTiming", sock], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, BENCH_RUN=self.dir),
                                      cwd=self.dir, start_new_session=True)
            procs.append(client)
            if client.stdout.readline().strip() != "READY":
                raise NotAvailableError("the shutdown client did not start")
            followers_procs = procs[:followers]
            if frozen:
                for p in followers_procs:
                    os.kill(p.pid, signal.SIGSTOP)
            client.stdin.write("go\n")
            client.stdin.flush()
            sent = client.stdout.readline().strip()
            if not sent.startswith("SENT "):
                raise NotAvailableError(f"the shutdown client: {sent or 'no answer'}")
            t_sent = int(sent.split()[1])
            deadline = time.monotonic() + 60
            while peer.proc.poll() is None:
                if time.monotonic() > deadline:
                    raise NotAvailableError("the daemon did not exit within 60 s")
                time.sleep(0.001)
            t_exit = time.time_ns()
            if frozen:
                for p in followers_procs:
                    os.kill(p.pid, signal.SIGCONT)
            ended = []
            for p, out in zip(procs, outs):
                try:
                    code = p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    ended.append("still running 30 s after the daemon exited")
                    continue
                last = self.last_line(out)
                ended.append(f"exit {code}" + (", the shutdown event last" if "taskmasterd shutting down" in last
                                                else f", last line: {last!r}"))
            return (t_exit - t_sent) / 1e9, " / ".join(sorted(set(ended)))
        finally:
            for p in procs:
                if p.poll() is None:
                    procutil.kill_pids([p.pid])
                    p.wait()

    @staticmethod
    def wait_text(path, text, timeout, peer):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(path) as f:
                    if text in f.read():
                        return True
            except FileNotFoundError:
                pass
            if peer.exited() or time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    @staticmethod
    def last_line(path):
        try:
            with open(path, errors="replace") as f:
                lines = [l.rstrip("\n") for l in f if l.strip()]
            return lines[-1] if lines else ""
        except OSError:
            return ""
