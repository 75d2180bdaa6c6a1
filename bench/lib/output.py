"""The output benchmarks of issue 5, mixed into bench.Bench: throughput of captured output,
integrity of the log over repeated runs, and the keystroke → echo round trip through attach.

The writer is src/spew.c (compiled by bench/run).  It blocks on a fifo (the gate) before it
writes anything, so the measured part starts only once the daemon is up and idle; see
SpewRun.
"""
import errno
import os
import statistics
import subprocess
import time

import procutil
from peers import Program, ROOT, BENCH

MIB = 1 << 20
GIB = 1 << 30
POLL = 0.001   # s between two looks at a log's size: the resolution of the throughput times

NO_ATTACH = "— (no console attach)"


def file_size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def size_text(n):
    if n >= GIB and n % (GIB // 4) == 0:
        return f"{n / GIB:g} GiB"
    return f"{n // MIB} MiB" if n % MIB == 0 else f"{n / MIB:.1f} MiB"


def lines_size(count):
    """Bytes spew writes in lines mode: "<n> " + (8 + n % 73) letters + "\\n" per line."""
    return sum(len(str(n)) + 10 + n % 73 for n in range(count))


def check_lines(data, count):
    """Counts, over a spew lines-mode log: lines lost, duplicated, out of order (a number
    lower than one already seen) and torn (not a whole "<n> <payload>" line: split, mixed or
    truncated).  Also whether the last line is there."""
    seen = bytearray(count)
    dup = ooo = torn = 0
    top = -1
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()          # the file ends with a newline, as it should
    for line in lines:
        sp = line.find(b" ")
        try:
            n = int(line[:sp]) if sp > 0 else -1
        except ValueError:
            n = -1
        if not 0 <= n < count or line[sp + 1:] != bytes([97 + n % 26]) * (8 + n % 73):
            torn += 1
            continue
        if seen[n]:
            dup += 1
            continue
        seen[n] = 1
        if n < top:
            ooo += 1
        else:
            top = n
    present = sum(seen)
    first_lost = seen.find(0)
    return dict(lost=count - present, dup=dup, ooo=ooo, torn=torn, last=bool(count and seen[count - 1]),
                first_lost=None if first_lost < 0 else first_lost)


def open_gate(path, timeout, run):
    """Opens the fifo for writing, which lets spew go.  O_NONBLOCK: never hang on a writer
    that died before opening its end (ENXIO until the reader is there)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            return True
        except OSError as e:
            if e.errno != errno.ENXIO or time.monotonic() > deadline or run.exited():
                return False
        time.sleep(0.001)


def wait_idle(pid, quiet=0.5, timeout=15):
    """Waits until the daemon used no CPU tick during a `quiet` window (its start-up work, the
    JIT compiling it, are over), so that the CPU measured next is the output's alone."""
    deadline = time.monotonic() + timeout
    last = procutil.cpu_ticks(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = procutil.cpu_ticks(pid)
        if now is None or now == last:
            return True
        last = now
    return False



def read_stamp(path, kind):
    """The nanosecond time on the line `KIND NS ...` of a stamp file (src/stamp.c, seqlines.c), or None."""
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[0] == kind:
                    return int(p[1])
    except FileNotFoundError:
        pass
    return None

class SpewRun:
    """One run of spew: under a peer (its stdout captured to `log` by the daemon) or, with
    peer None, with its stdout redirected to `log` by the shell (the direct baseline)."""

    def __init__(self, bench, mode, count, peer, tag):
        d = bench.dir
        self.peer = peer
        self.gate = os.path.join(d, f"{tag}.gate")
        self.stamps = os.path.join(d, f"{tag}.stamps")
        self.log = os.path.join(d, f"{tag}.log")
        for f in (self.gate, self.stamps, self.log):
            if os.path.lexists(f):
                os.unlink(f)
        os.mkfifo(self.gate, 0o600)
        argv = [bench.spew, mode, str(count), self.gate, self.stamps]
        self.proc = None
        if peer is None:
            env = dict(os.environ, BENCH_RUN=d)
            self.proc = subprocess.Popen(["sh", "-c", 'exec "$@" >"$0"', self.log, *argv], env=env,
                                         stdin=subprocess.DEVNULL, cwd=d, start_new_session=True)
        else:
            peer.start(tag, [Program("writer", " ".join(argv), "once", stdout=self.log)])

    def exited(self):
        """The daemon is gone (under a peer), or the writer is (direct)."""
        return self.peer.exited() if self.peer else self.proc.poll() is not None

    def stamp(self, kind):
        return read_stamp(self.stamps, kind)

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while self.stamp("ready") is None:
            if self.exited() or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def why_not_ready(self, timeout):
        if self.peer is None:
            return f"the writer did not start (exit {self.proc.poll()})"
        if self.peer.exited():
            return f"{self.peer.name} exited before starting the writer: {self.peer.output_tail()}"
        return f"the writer was not started within {timeout:g} s"

    def close(self):
        if self.peer is not None:
            self.peer.kill()
        elif self.proc.poll() is None:
            procutil.kill_pids([self.proc.pid])   # sh exec'd spew: this pid is the writer
            self.proc.wait()
        for f in (self.gate, self.log):   # a GiB log must not stay in the page cache / on disk
            if os.path.lexists(f):
                os.unlink(f)


class OutputBenches:
    """Mixed into bench.Bench (self.args, self.dir, self.peers, self.record, ...)."""

    OUTPUT_ORDER = ("taskmaster", "supervisord", "pm2")
    THROUGHPUT_METRICS = [("time until all output is in the log", "s", None, "lower"),
                          # the same comparison as the row above: no second ratio
                          ("speed vs writing straight to a file (direct time / supervised time)", "x", "≥ 0.8×",
                           None),
                          ("daemon CPU per GiB of output", "cpu", "≤ 0.5 CPU-s/GiB", "lower")]
    INTEGRITY_METRICS = [("lines lost (sum over the runs)", "lines", "0", None),
                         ("lines duplicated / out of order / torn (sum over the runs)", "lines", "0", None)]
    ATTACH_METRICS = [("keystroke → echo through attach, median", "ms", "≤ 5 ms", "lower"),
                      ("keystroke → echo through attach, p99", "ms", None, "lower")]

    def output_peers(self):
        return [n for n in self.OUTPUT_ORDER if not self.args.only or n == self.args.only]

    # -- 1. throughput -----------------------------------------------------------------------------
    def bench_throughput(self):
        n = self.args.output_bytes
        metrics = self.THROUGHPUT_METRICS
        self.notes.append(f"throughput: {size_text(n)} of 64-byte numbered lines, written with 256 KiB write(2)s"
                          + ("" if n >= GIB else " (a smoke run: the issue's figures are for 1 GiB)")
                          + "; supervisord logs with stdout_logfile_maxbytes=0 (no rotation), like this "
                            "taskmasterd build, and PM2 without any log module.")
        direct = []
        for i in range(self.args.direct_runs):
            self.log(f"throughput: direct write (shell redirect) {i + 1}/{self.args.direct_runs}, {size_text(n)}")
            try:
                t, t_end, _ = self.throughput_once(None, f"throughput-direct-{i}")
            except NotAvailableError as e:
                self.log(f"throughput: direct: {e}")
                continue
            direct.append(t)
            self.log(f"throughput: direct: {t:.3f} s ({n / MIB / t:,.0f} MiB/s)")
        t_direct = statistics.median(direct) if direct else None
        if direct:
            self.output_baseline = (t_direct, direct, n)

        for name in self.output_peers():
            peer = self.peers.get(name)
            if peer is None:
                self.record_na_m("throughput", metrics, name, self.unavailable[name])
                continue
            self.log(f"throughput: {name}, {size_text(n)}")
            try:
                t, t_end, ticks = self.throughput_once(peer, f"throughput-{peer.key}")
            except NotAvailableError as e:
                self.log(f"throughput: {name}: {e}")
                self.record_na_m("throughput", metrics, name, f"n/a ({e})")
                continue
            cpu = ticks / procutil.CLK_TCK / (n / GIB)
            extra = f"writer done at {t_end:.3f} s" if t_end is not None else ""
            self.record("throughput", metrics[0][0], name, t, "s", metrics[0][2], extra, better="lower")
            if t_direct:
                self.record("throughput", metrics[1][0], name, t_direct / t, "x", metrics[1][2], better=None)
            else:
                self.record("throughput", metrics[1][0], name, "n/a (no direct baseline)", "x", metrics[1][2],
                            better=None)
            self.record("throughput", metrics[2][0], name, cpu, "cpu", metrics[2][2],
                        f"{ticks} ticks", better="lower")
            self.log(f"throughput: {name}: {t:.3f} s ({n / MIB / t:,.0f} MiB/s), "
                     + (f"{t_direct / t:.2f}× direct, " if t_direct else "")
                     + f"daemon CPU {cpu:.3f} s/GiB ({ticks} ticks)")
        if "taskmaster" in self.peers:
            self.responsiveness(self.peers["taskmaster"])

    RESPONSIVE_METRIC = ("status (ListProcesses) while the flood runs, p99", "ms", "≤ 50 ms")

    def responsiveness(self, peer):
        """Another flood of the same size, with a client calling ListProcesses every 10 ms
        throughout (src/StatusLatency.java): the daemon must stay responsive.  A run of its
        own, so that the calls' CPU is not counted in the throughput figures above."""
        metric, fmt, target = self.RESPONSIVE_METRIC
        try:
            java, cp = self.compile_attach_client()
        except NotAvailableError as e:
            self.record("throughput", metric, "taskmaster", f"n/a ({e})", fmt, target)
            return
        n = self.args.output_bytes
        run = SpewRun(self, "bytes", n, peer, "responsive-tm")
        client = None
        try:
            if not run.wait_ready(self.args.probe_timeout + 30):
                raise NotAvailableError(run.why_not_ready(self.args.probe_timeout + 30))
            client = subprocess.Popen([java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                                       "StatusLatency", os.path.join(self.dir, "tm.sock")],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      env=dict(os.environ, BENCH_RUN=self.dir), cwd=self.dir, start_new_session=True)
            if client.stdout.readline().strip() != "READY":
                raise NotAvailableError("the status client did not start")
            client.stdin.write("go\n")
            client.stdin.flush()
            os.sync()
            if not open_gate(run.gate, 10, run):
                raise NotAvailableError("the writer did not open its gate")
            deadline = time.monotonic() + self.args.output_timeout
            while file_size(run.log) < n and time.monotonic() < deadline and not peer.exited():
                time.sleep(POLL)
            client.stdin.close()
            out = (client.stdout.read().strip().splitlines() or [""])[-1]
            client.wait(timeout=30)
            kind, _, rest = out.partition(" ")
            if kind != "RESULT":
                raise NotAvailableError(rest or "no result from the status client")
            p50, p99, hi, count = rest.split()
            note = f"N={count} calls, median {float(p50):.2f}, max {float(hi):.1f}"
            self.record("throughput", metric, "taskmaster", float(p99), fmt, target, note)
            self.log(f"throughput: taskmaster: status during the flood: p99 {float(p99):.2f} ms ({note})")
        except (NotAvailableError, subprocess.TimeoutExpired, OSError, ValueError) as e:
            self.log(f"throughput: taskmaster: responsiveness: {e}")
            self.record("throughput", metric, "taskmaster", f"n/a ({e})", fmt, target)
        finally:
            if client is not None and client.poll() is None:
                procutil.kill_pids([client.pid])
                client.wait()
            run.close()

    def throughput_once(self, peer, tag):
        """(seconds from spew's start until the log holds every byte, seconds until spew's last
        write returned, daemon CPU ticks in between)."""
        n = self.args.output_bytes
        ready_timeout = self.args.probe_timeout + 30
        run = SpewRun(self, "bytes", n, peer, tag)
        try:
            if not run.wait_ready(ready_timeout):
                raise NotAvailableError(run.why_not_ready(ready_timeout))
            pid = peer.measured_pid() if peer else None
            if pid and not wait_idle(pid):
                self.log(f"throughput: {peer.name} never went idle before the run; its CPU figure includes other work")
            # Every run starts with no dirty pages in flight: the previous run's GiB being written
            # back (or discarded) would otherwise slow this one and be counted against it.
            os.sync()
            c0 = procutil.cpu_ticks(pid) if pid else 0
            if not open_gate(run.gate, 10, run):
                raise NotAvailableError("the writer did not open its gate")
            deadline = time.monotonic() + self.args.output_timeout
            last_size, last_growth = -1, time.monotonic()
            while (size := file_size(run.log)) < n:
                now = time.monotonic()
                if size != last_size:
                    last_size, last_growth = size, now
                elif run.stamp("end") is not None and now - last_growth > self.args.integrity_quiet:
                    # The writer is done and the log has stopped growing: the rest will never come.
                    raise NotAvailableError(f"LOST {n - size:,} bytes: the log stopped at {size:,} of {n:,} "
                                            f"after the writer's last write")
                if now > deadline:
                    raise NotAvailableError(f"timeout: {file_size(run.log):,}/{n:,} bytes in the log after "
                                            f"{self.args.output_timeout:g} s")
                if peer is not None and peer.exited():
                    raise NotAvailableError(f"{peer.name} exited: {peer.output_tail()}")
                time.sleep(POLL)
            t_done = time.time_ns()
            c1 = procutil.cpu_ticks(pid) if pid else 0
            size = file_size(run.log)
            if size != n:
                raise NotAvailableError(f"the log holds {size:,} bytes, not {n:,}")
            start, end = run.stamp("start"), run.stamp("end")
            return (t_done - start) / 1e9, None if end is None else (end - start) / 1e9, c1 - c0
        finally:
            run.close()

    # -- 2. integrity --------------------------------------------------------------------------------
    def bench_integrity(self):
        count, runs = self.args.integrity_lines, self.args.integrity_runs
        expected = lines_size(count)
        metrics = self.INTEGRITY_METRICS
        self.notes.append(f"integrity: {runs} runs of {count:,} numbered lines ({size_text(expected)}) per "
                          "supervisor, written in chunks of 1 B–64 KiB cut anywhere in a line; the program "
                          "exits with _exit(0) right after its last write(2).")
        for name in self.output_peers():
            peer = self.peers.get(name)
            if peer is None:
                self.record_na_m("integrity", metrics, name, self.unavailable[name])
                continue
            totals = dict(lost=0, dup=0, ooo=0, torn=0)
            tail_lost = failed = 0
            for i in range(runs):
                self.log(f"integrity: {name}, run {i + 1}/{runs}, {count:,} lines")
                try:
                    r = self.integrity_once(peer, f"integrity-{peer.key}-{i}", count, expected)
                except NotAvailableError as e:
                    self.log(f"integrity: {name}: {e}")
                    failed += 1
                    continue
                for k in totals:
                    totals[k] += r[k]
                tail_lost += not r["last"]
                self.log(f"integrity: {name}: lost {r['lost']}"
                         + (f" (from line {r['first_lost']} on)" if r["lost"] else "")
                         + f", duplicated {r['dup']}, out of order {r['ooo']}, torn {r['torn']}, "
                         f"last line {'present' if r['last'] else 'MISSING'}")
            done = runs - failed
            if not done:
                self.record_na_m("integrity", metrics, name, "n/a (no run completed)")
                continue
            runs_text = f"{done} runs" + (f", {failed} failed" if failed else "")
            self.record("integrity", metrics[0][0], name, totals["lost"], "lines", metrics[0][2],
                        f"{runs_text}; tail lost in {tail_lost} of {done}", better=None)
            self.record("integrity", metrics[1][0], name,
                        f"{totals['dup']} / {totals['ooo']} / {totals['torn']} ({runs_text})", "lines", metrics[1][2],
                        better=None)

    def integrity_once(self, peer, tag, count, expected):
        ready_timeout = self.args.probe_timeout + 30
        run = SpewRun(self, "lines", count, peer, tag)
        try:
            if not run.wait_ready(ready_timeout):
                raise NotAvailableError(run.why_not_ready(ready_timeout))
            if not open_gate(run.gate, 10, run):
                raise NotAvailableError("the writer did not open its gate")
            deadline = time.monotonic() + self.args.output_timeout
            while run.stamp("end") is None:
                if time.monotonic() > deadline or peer.exited():
                    raise NotAvailableError("the writer did not finish")
                time.sleep(0.01)
            # Done when every byte is there, or when nothing has come for `quiet` seconds: a
            # daemon that lost the tail never writes it.
            size, since = file_size(run.log), time.monotonic()
            while size < expected and time.monotonic() - since < self.args.integrity_quiet:
                time.sleep(0.02)
                now = file_size(run.log)
                if now != size:
                    size, since = now, time.monotonic()
            with open(run.log, "rb") as f:
                return check_lines(f.read(), count)
        except FileNotFoundError:
            return check_lines(b"", count)
        finally:
            run.close()

    # -- 3. keystroke -> echo through attach ---------------------------------------------------------
    def bench_attach(self):
        metrics = self.ATTACH_METRICS
        for name in self.output_peers():
            if name != "taskmaster":
                self.record_na_m("attach", metrics, name, NO_ATTACH)
        if "taskmaster" not in self.output_peers():
            return
        peer = self.peers.get("taskmaster")
        if peer is None:
            self.record_na_m("attach", metrics, "taskmaster", self.unavailable["taskmaster"])
            return
        n, warmup = self.args.keystrokes, self.args.keystroke_warmup
        try:
            java, cp = self.compile_attach_client()
        except NotAvailableError as e:
            self.record_na_m("attach", metrics, "taskmaster", f"n/a ({e})")
            return
        ready = os.path.join(self.dir, "attach.ready")
        script = os.path.join(self.dir, "echo.sh")
        with open(script, "w") as f:
            # Raw mode and no tty echo: the echo comes from the program (cat writes back each
            # byte it reads), as with a shell's line editor.  On pipes stty fails; cat still runs.
            f.write(f"echo ready > {ready}\nstty raw -echo 2>/dev/null\nexec cat\n")
        self.log(f"attach: taskmaster, {n} keystrokes (+{warmup} warm-up) to a tty: true cat")
        peer.start("attach", [Program("echo", f"/bin/sh {script}", "keep", tty=True)])
        try:
            if not self.wait_file(ready, self.args.probe_timeout + 30, peer):
                self.record_na_m("attach", metrics, "taskmaster", "n/a (the echo program did not start)")
                return
            argv = [java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "AttachLatency",
                    os.path.join(self.dir, "tm.sock"), "echo", str(n), str(warmup)]
            try:
                p = subprocess.run(argv, capture_output=True, text=True, timeout=60 + n * 6,
                                   env=dict(os.environ, BENCH_RUN=self.dir), cwd=self.dir, start_new_session=True)
                out = (p.stdout.strip().splitlines() or [""])[-1]
                if not out:
                    out = f"NA the client exited {p.returncode}: {p.stderr.strip()[-300:]}"
            except subprocess.TimeoutExpired:
                out = "NA the client timed out"
            kind, _, rest = out.partition(" ")
            if kind == "RESULT":
                med, p99, lo, hi, count, tty = rest.split()
                note = f"N={count}, min {float(lo):.3f}, max {float(hi):.3f}" + ("" if tty == "true" else "; NOT A TTY")
                self.record("attach", metrics[0][0], "taskmaster", float(med), "ms", metrics[0][2], note)
                self.record("attach", metrics[1][0], "taskmaster", float(p99), "ms", metrics[1][2], note)
                self.log(f"attach: taskmaster: median {float(med):.3f} ms, p99 {float(p99):.3f} ms ({note})")
            else:
                self.log(f"attach: taskmaster: n/a: {rest}")
                self.record_na_m("attach", metrics, "taskmaster", f"n/a ({rest})")
        finally:
            peer.kill()

    def compile_attach_client(self):
        """javac src/AttachLatency.java against the built client's jars (like bench/event-latency)."""
        jar = os.path.join(ROOT, "cli-client", "target", "taskmasterctl.jar")
        libdir = os.path.join(ROOT, "cli-client", "target", "lib")
        if not os.path.exists(jar) or not os.path.isdir(libdir):
            raise NotAvailableError("client not built: cli-client/target missing")
        jdk = subprocess.run([os.path.join(ROOT, "bin", "lib", "find-jdk"), "--javac"],
                             capture_output=True, text=True, timeout=30)
        if jdk.returncode != 0:
            raise NotAvailableError(f"no JDK ≥ 25 with javac: {jdk.stderr.strip()}")
        home = jdk.stdout.strip()
        cp = ":".join([jar] + sorted(os.path.join(libdir, j) for j in os.listdir(libdir) if j.endswith(".jar")))
        classes = os.path.join(self.dir, "classes")
        c = subprocess.run([os.path.join(home, "bin", "javac"), "-nowarn", "-d", classes, "-cp", cp,
                            os.path.join(BENCH, "src", "AttachLatency.java"),
                            os.path.join(BENCH, "src", "StatusLatency.java"),
                            os.path.join(BENCH, "src", "StopAll.java"),
                            os.path.join(BENCH, "src", "StalledViewers.java"),
                            os.path.join(BENCH, "src", "ShutdownTiming.java")],
                           capture_output=True, text=True, timeout=300, env=dict(os.environ, BENCH_RUN=self.dir))
        if c.returncode != 0:
            raise NotAvailableError("the Java clients do not compile: " + c.stderr.strip()[-300:])
        return os.path.join(home, "bin", "java"), classes + ":" + cp

    @staticmethod
    def wait_file(path, timeout, peer):
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if peer.exited() or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def record_na_m(self, bench, metrics, peer, why):
        for metric, fmt, target, better in metrics:
            self.record(bench, metric, peer, why, fmt, target, better=better)


class NotAvailableError(Exception):
    """A measurement that could not be made; the message goes into the table cell."""

