"""The output scenarios of bench/chaos: a full disk under the program logs (on_log_full: block
and drop), and viewers that attach and never read.  See chaos_scenarios.py for the frame."""
import errno
import json
import os
import re
import statistics
import subprocess
import time

import procutil
from chaos_scenarios import Scenario, ProcessView
from chaoskit import ChaosError, log, program_yaml, read_text, state_of, wait_until
from output import open_gate, read_stamp, wait_idle

MARKER = "[taskmaster:"
SEQ_LINE = re.compile(r"seq (\d+) ([a-z]+)")


def seq_line(n):
    """Line n of src/seqlines.c, newline included."""
    return f"seq {n} {chr(ord('a') + n % 26) * (8 + n % 41)}\n"


def read_log(path):
    """A program's log and its rotated files, oldest first, as text."""
    files = sorted((f for f in os.listdir(os.path.dirname(path)) if f.startswith(os.path.basename(path) + ".")),
                   key=lambda f: -int(f.rsplit(".", 1)[1]) if f.rsplit(".", 1)[1].isdigit() else 0)
    text = ""
    for f in files + [os.path.basename(path)]:
        try:
            with open(os.path.join(os.path.dirname(path), f), errors="replace") as fh:
                text += fh.read()
        except OSError:
            pass
    return text


def reported_loss(text):
    """(lines, bytes) lost according to a marker line: the integers written before 'line(s)' and
    'byte(s)' (with or without thousands separators); None for what it does not say."""
    lines = re.search(r"(\d[\d,]*)\s+lines?\b", text)
    nbytes = re.search(r"(\d[\d,]*)\s+bytes?\b", text)
    num = lambda m: int(m.group(1).replace(",", "")) if m else None  # noqa: E731
    return num(lines), num(nbytes)


class LogCheck:
    """What a seqlines log holds: the numbers of its whole lines in order, torn lines, marker
    lines with what they say was lost and where they stand."""

    def __init__(self, text, count):
        self.count = count
        self.numbers = []
        self.torn = []
        self.markers = []       # (index in numbers where it stands, text, lines, bytes)
        for line in text.splitlines(keepends=True):
            if MARKER in line:
                self.markers.append((len(self.numbers), line.strip(), *reported_loss(line)))
                continue
            m = SEQ_LINE.fullmatch(line.rstrip("\n"))
            if m and line.endswith("\n") and seq_line(int(m.group(1))) == line:
                self.numbers.append(int(m.group(1)))
            else:
                self.torn.append(line[:60])
        seen = set(self.numbers)
        self.duplicates = len(self.numbers) - len(seen)
        self.missing = [n for n in range(count) if n not in seen]
        self.missing_bytes = sum(len(seq_line(n)) for n in self.missing)
        self.out_of_order = sum(1 for a, b in zip(self.numbers, self.numbers[1:]) if b <= a)
        # Each gap (a jump in the numbers) should have a marker right there.
        marked = {i for i, *_ in self.markers}
        self.gaps = [i for i in range(1, len(self.numbers)) if self.numbers[i] > self.numbers[i - 1] + 1]
        if self.numbers and self.numbers[0] > 0:
            self.gaps.insert(0, 0)
        if self.numbers and self.numbers[-1] < count - 1:
            self.gaps.append(len(self.numbers))
        self.unmarked_gaps = [i for i in self.gaps if i not in marked]

    def marker_lines(self):
        return sum(x[2] or 0 for x in self.markers)

    def marker_bytes(self):
        return sum(x[3] or 0 for x in self.markers)


# -- full disk --------------------------------------------------------------------------------------
class FullDisk(Scenario):
    name = "full-disk"
    title = "the program logs on a small tmpfs, filled then freed, with on_log_full: block and drop"

    def fill_seconds(self):
        return self.args.fill_seconds or (5 if self.quick else 10)

    def time_budget(self):
        return self.fill_seconds() * 3 + 120

    def body(self):
        if os.geteuid() != 0:
            self.out.skipped = "not root: no tmpfs mount"
            return
        disk = os.path.join(self.dir, "disk")
        os.makedirs(disk, exist_ok=True)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.args.tmpfs_mb}m,mode=0755", "chaos-full-disk", disk],
                           capture_output=True, text=True, timeout=30)
        if m.returncode != 0:
            self.out.skipped = f"mount -t tmpfs failed: {m.stderr.strip()[:80]}"
            return
        self.run.mounts.append(disk)
        self.disk = disk
        fill = self.fill_seconds()
        rate = self.args.disk_rate
        count = int(rate * (fill + 8))
        d = self.daemon()
        policies = {"blk": "block", "drp": "drop"}
        progs = ""
        for name, policy in policies.items():
            keys = dict(starttime=0, autorestart="never", startretries=0, stdout=os.path.join(disk, f"{name}.log"),
                        stderr="none", logfile_maxbytes=0)
            if not self.args.without_on_log_full:
                keys["on_log_full"] = policy
            progs += program_yaml(name, f"{self.run.seqlines} {count} {rate} {self.dir}/{name}.stamps", **keys)
        # The daemon's own log is on the full disk too: it must keep going, and say what it could not write.
        d.write_config(d.server_yaml(logfile=os.path.join(disk, "taskmasterd.log")) + "programs:\n" + progs)
        d.logfile = os.path.join(disk, "taskmasterd.log")
        self.start(d)
        probe = self.ready(self.probe(d), d)
        self.quiet_baseline(probe)
        logs = {n: os.path.join(disk, f"{n}.log") for n in policies}
        if not wait_until(lambda: all(os.path.exists(p) and os.path.getsize(p) > 1000 for p in logs.values()),
                          self.budget.left(30)):
            raise ChaosError("the programs' logs did not start")
        time.sleep(2)   # a stretch of output written normally before the disk fills
        log(f"{self.name}: filling the tmpfs for {fill:g} s ({count:,} lines per program at {rate:,}/s)")
        filler = os.path.join(disk, "filler")
        t_fill = time.monotonic()
        self.fill(filler)
        while time.monotonic() - t_fill < fill:
            self.budget.check("holding the disk full")
            if not d.alive():
                raise ChaosError(f"the daemon died with the disk full ({d.exit_reason()})")
            self.fill(filler)      # whatever space a program's log gave back
            time.sleep(0.2)
        os.unlink(filler)
        t_free = time.time_ns()
        log(f"{self.name}: disk freed; waiting for both programs to finish")
        view = ProcessView(probe)

        def finished():
            view.update()
            return all(view.state.get(n) in ("EXITED", "FATAL", "STOPPED") for n in policies) or not d.alive()
        if not wait_until(finished, self.budget.left(fill + 60), interval=0.1):
            self.out.fail("the programs did not finish within "
                          f"{fill + 60:g} s of the disk being freed ({', '.join(f'{n} {view.state.get(n)}' for n in policies)})")
        # Whatever the daemon still had for the file is written once it is idle.
        sizes = [None]

        def stable():
            now = tuple(os.path.getsize(p) if os.path.exists(p) else -1 for p in logs.values())
            same, sizes[0] = sizes[0] == now, now
            return same
        wait_until(stable, self.budget.left(10), interval=0.2)
        self.verify(policies, logs, count, view, d, t_free)

    @staticmethod
    def fill(path):
        """Appends zeros to path until the filesystem has no room left."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                return
            raise
        try:
            for size in (1 << 20, 1 << 12, 1):
                chunk = bytes(size)
                while True:
                    try:
                        os.write(fd, chunk)
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)

    def verify(self, policies, logs, count, view, d, t_free):
        lost_uncounted = 0
        done = []
        for name, policy in policies.items():
            c = LogCheck(read_log(logs[name]), count)
            marks = read_text(os.path.join(self.dir, f"{name}.stamps")).splitlines()
            ended = [l for l in marks if l.startswith("done ")]
            started = [l for l in marks if l.startswith("start ")]
            took = (int(ended[0].split()[2]) - int(started[0].split()[1])) / 1e9 if ended and started else None
            ev_lost = sum(int(v.get("bytesLost", 0)) for k, v in view.other
                          if k == "outputLost" and v.get("processName") == name)
            # The events about this program's log, whatever their names: one that says writing
            # stopped, one that says it resumed (read loosely: the payload's name and text).
            mine = [(k, v, k + json.dumps(v)) for k, v in view.other if name in json.dumps(v)]
            resumed = [k for k, _, t in mine if re.search(r"resum|restor|again", t, re.I)]
            stopped = [k for k, _, t in mine if not re.search(r"resum|restor|again", t, re.I)
                       and re.search(r"stop|full|paus|block|lost|drop|suspend", t, re.I)]
            log_events = [k for k, _, _ in mine]
            ev_lines = sum(int(x) for _, v, _ in mine for f, x in v.items() if re.fullmatch(r"lines?(Lost|Dropped)", f, re.I))
            ev_bytes = sum(int(x) for k, v, _ in mine for f, x in v.items()
                           if k != "outputLost" and re.fullmatch(r"bytes?(Lost|Dropped)", f, re.I))
            said_resumed = [l for l in d.log_text().splitlines() if name in l and re.search(r"resum|restor|again", l, re.I)]
            if not said_resumed:
                self.out.fail(f"{name}: no line in the daemon log saying that writing resumed")
            if c.torn:
                self.out.fail(f"{name}: {len(c.torn)} torn or spliced lines (e.g. {c.torn[0]!r})")
            if c.duplicates or c.out_of_order:
                self.out.fail(f"{name}: {c.duplicates} lines twice, {c.out_of_order} out of order")
            if not stopped or not resumed:
                self.out.fail(f"{name}: no event when writing stopped and resumed (events seen: "
                              f"{sorted(set(log_events)) or 'none'}, OutputLost {ev_lost:,} bytes)")
            if not c.markers:
                self.out.fail(f"{name}: no '{MARKER}' marker line at the gap")
            if policy == "block":
                lost_uncounted += len(c.missing)
                if c.missing:
                    self.out.fail(f"{name} (block): {len(c.missing):,} lines missing ({c.missing_bytes:,} bytes)")
                if c.marker_lines() or c.marker_bytes() or ev_lost:
                    self.out.fail(f"{name} (block): lost {c.marker_lines()} lines / {max(c.marker_bytes(), ev_lost)} bytes "
                                  "by its own account")
            else:
                # Exact by any account the daemon gives: lines (markers, events) or bytes (markers,
                # OutputLost, other events).
                said_lines = [x for x in (c.marker_lines() if any(m[2] is not None for m in c.markers) else None,
                                          ev_lines or None) if x is not None]
                said_bytes = [x for x in (c.marker_bytes() if any(m[3] is not None for m in c.markers) else None,
                                          ev_lost or None, ev_bytes or None) if x is not None]
                exact = len(c.missing) in said_lines or c.missing_bytes in said_bytes
                if not exact:
                    best = min(said_lines, key=lambda x: abs(x - len(c.missing))) if said_lines else 0
                    lost_uncounted += abs(len(c.missing) - best)
                    self.out.fail(f"{name} (drop): {len(c.missing):,} lines ({c.missing_bytes:,} bytes) missing; the "
                                  f"daemon's account: {said_lines or 'no'} lines, {said_bytes or 'no'} bytes")
                if c.unmarked_gaps:
                    self.out.fail(f"{name} (drop): {len(c.unmarked_gaps)} gaps without a marker")
            done.append(f"{name} ({policy}): {len(c.numbers):,}/{count:,} lines, {len(c.markers)} markers"
                        + (f", ran {took:.1f} s" if took else ""))
            self.out.notes.append(f"{name} ({policy}): {len(c.missing):,} lines missing ({c.missing_bytes:,} bytes); "
                                  f"markers {[m[1][:80] for m in c.markers[:2]]}; events {sorted(set(log_events))}, "
                                  f"OutputLost {ev_lost:,} bytes" + (f"; the writer took {took:.1f} s" if took else ""))
        after = [l for l in d.log_text().splitlines() if l[:4].isdigit()]
        self.out.notes.append(f"daemon log on the full disk: {len(after)} lines, last: {after[-1][:100] if after else '—'}")
        self.out.lost = lost_uncounted
        self.out.done = f"disk full {self.fill_seconds():g} s; " + "; ".join(done)

    def cleanup(self):
        self.run.umount_all()


# -- stalled viewers ---------------------------------------------------------------------------------
class StalledViewers(Scenario):
    name = "stalled-viewers"
    title = "20 AttachOutput viewers that never read, on a program writing flat out: throughput and daemon CPU vs none"

    def rounds(self):
        return self.args.viewer_rounds or (1 if self.quick else 2)

    def size(self):
        return (self.args.viewer_mb or (64 if self.quick else 256)) << 20

    def time_budget(self):
        return 90 + self.rounds() * 2 * (20 + self.size() / (20 << 20))

    def body(self):
        size, rounds, viewers = self.size(), self.rounds(), self.args.viewers
        self.lost = 0
        runs = [kind for _ in range(rounds) for kind in ("none", "stalled")]
        d = self.daemon()
        logs = os.path.join(self.dir, "out")
        os.makedirs(logs, exist_ok=True)
        progs = ""
        for k in range(len(runs)):
            gate = os.path.join(self.dir, f"gate{k}")
            os.mkfifo(gate, 0o600)
            progs += program_yaml(f"spew{k}", f"{self.run.spew} bytes {size} {gate} {self.dir}/spew{k}.stamps",
                                  starttime=0, autorestart="never", startretries=0, stdout=os.path.join(logs, f"spew{k}.log"),
                                  stderr="none", logfile_maxbytes=0)
        d.write_config(d.server_yaml() + "programs:\n" + progs)
        self.start(d)
        probe = self.ready(self.probe(d), d)
        self.wait_states(probe, lambda ps: len(ps) == len(runs) and all(state_of(p) == "RUNNING" for p in ps), 60,
                         "every writer RUNNING (waiting at its gate)")
        self.quiet_baseline(probe)
        figures = {"none": [], "stalled": []}
        for k, kind in enumerate(runs):
            self.budget.check(f"run {k + 1}")
            figures[kind].append(self.one(d, k, kind, size, viewers, os.path.join(logs, f"spew{k}.log")))
        med = {kind: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for kind, v in figures.items()}
        (t0, c0), (t1, c1) = med["none"], med["stalled"]
        self.out.done = (f"{len(runs)} runs of {size >> 20} MiB; none: {t0:,.0f} MB/s, daemon {c0:.2f} CPU-s/GiB; "
                         f"{viewers} stalled: {t1:,.0f} MB/s ({t1 / t0:.2f}×), {c1:.2f} CPU-s/GiB ({c1 / c0 if c0 else 0:.2f}×)")
        if t1 < 0.75 * t0:
            self.out.fail(f"throughput with {viewers} stalled viewers {t1:,.0f} MB/s < 75 % of {t0:,.0f} MB/s without")
        if c0 and c1 > 1.5 * c0:
            self.out.fail(f"daemon CPU with {viewers} stalled viewers {c1:.2f} > 1.5 × {c0:.2f} CPU-s/GiB without")
        self.out.lost = self.lost

    def one(self, d, k, kind, size, n, log_path):
        """One writer run; returns (MB/s, daemon CPU-s per GiB)."""
        viewers = None
        if kind == "stalled":
            viewers = subprocess.Popen([*self.run.java, "NonReadingViewers", d.socket, f"spew{k}", str(n)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                       env=dict(os.environ, BENCH_RUN=self.run.dir), cwd=self.dir, start_new_session=True)
            self.run.helpers.append(viewers)
            line = viewers.stdout.readline().split()
            if not line or line[0] != "READY" or int(line[1]) != n:
                raise ChaosError(f"the stalled viewers did not all attach ({' '.join(line) or 'no answer'})")
        try:
            wait_idle(d.pid, quiet=0.3, timeout=5)
            c0 = d.cpu_ticks()
            if not open_gate(os.path.join(self.dir, f"gate{k}"), 10, _Exited(d)):
                raise ChaosError(f"spew{k} did not open its gate")
            stamp_file = os.path.join(self.dir, f"spew{k}.stamps")
            if not wait_until(lambda: read_stamp(stamp_file, "end") and os.path.getsize(log_path) >= size or not d.alive(),
                              self.budget.left(120), interval=0.01):
                raise ChaosError(f"run {k + 1} ({kind}): the writer or its log did not finish "
                                 f"({os.path.getsize(log_path) if os.path.exists(log_path) else 0:,} of {size:,} bytes)")
            c1 = d.cpu_ticks()
        finally:
            if viewers is not None:
                try:
                    viewers.stdin.close()
                    result = viewers.stdout.readline().split()
                    viewers.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    result = []
                    procutil.kill_pids([viewers.pid])
                if len(result) == 3 and int(result[2]):
                    self.out.notes.append(f"run {k + 1}: the daemon ended {result[2]} of the stalled viewers' calls itself")
        got = os.path.getsize(log_path)
        if got != size:
            self.lost += abs(size - got)
            self.out.fail(f"run {k + 1} ({kind}): the log has {got:,} bytes of {size:,}")
        t = (read_stamp(stamp_file, "end") - read_stamp(stamp_file, "start")) / 1e9
        mbps = size / t / 1e6
        cpu = (c1 - c0) / procutil.CLK_TCK / (size / (1 << 30))
        log(f"{self.name}: run {k + 1} ({kind}): {mbps:,.0f} MB/s, daemon {cpu:.2f} CPU-s/GiB")
        os.unlink(log_path)   # 256 MiB each: not kept
        return mbps, cpu


class _Exited:
    """What output.open_gate asks of the thing it waits on."""

    def __init__(self, d):
        self.d = d

    def exited(self):
        return not self.d.alive()

