"""The memory benchmarks of issue 17 §6, mixed into bench.Bench: the daemon's RSS idle with 10
and with 1,000 programs, its RSS through a crash loop (a program that exits at once, restarted
at once, for --crash-minutes), and with --chatty-programs programs that each print more than
their 1 MiB output ring (Taskmaster must not run out of heap: its rings share a budget).
Taskmaster beside supervisord, in the same run.

RSS is VmRSS of the measured process (taskmasterd's JVM, supervisord's python), read from
/proc. Every wait polls with a deadline; every process is killed by pid (peer.kill).
"""
import os
import time

import procutil
from peers import Program
from stamps import count_stamps, wait_for

MIB = 1 << 20


def rss_mb(pid):
    kb = procutil.rss_kb(pid)
    return None if kb is None else kb / 1024


class MemoryBenches:
    """Mixed into bench.Bench (self.args, self.dir, self.peers, self.record, self.stamp, ...)."""

    MEMORY_METRICS = [("daemon RSS, idle, 10 programs", "MB", "≤ 64 MB"),
                      ("daemon RSS, idle, 1,000 programs", "MB", "≤ 96 MB"),
                      ("crash loop: restarts/s", "/s", None),
                      ("crash loop: RSS at start", "MB", None),
                      ("crash loop: RSS at the end", "MB", None),
                      ("crash loop: RSS growth", "MB", "flat (≤ 8 MB)"),
                      ("chatty programs: daemon RSS after all printed", "MB", "no out-of-memory")]

    def bench_memory(self):
        for name in self.order():
            peer = self.peers.get(name)
            if peer is None:
                self.record_na("memory", self.MEMORY_METRICS, name, self.unavailable[name])
                continue
            self.memory_idle(peer, 10, self.MEMORY_METRICS[0])
            self.memory_idle(peer, self.args.programs, self.MEMORY_METRICS[1])
            self.memory_crash_loop(peer)
            if self.args.chatty_programs > 0:   # --chatty-programs 0 leaves that part out
                self.memory_chatty(peer)

    def start_timeout(self, peer, count):
        """--spawn-timeout, and for supervisord 0.2 s more a program: it starts them one after the
        other, ~7 ms each on a quiet machine but many times that on a busy one."""
        return self.args.spawn_timeout + (0.2 * count if peer.name == "supervisord" else 0)

    # -- idle -------------------------------------------------------------------------------------
    def memory_idle(self, peer, count, metric):
        name, fmt, target = metric
        f, progs = self.sleepers(peer, count, f"mem{count}")
        self.log(f"memory: {peer.name}, {count} programs idle")
        peer.start(f"mem{count}", progs)
        try:
            if not wait_for(lambda: count_stamps(f, 'start') >= count, self.start_timeout(peer, count), peer, interval=0.05):
                self.record("memory", name, peer.name, f"timeout ({count_stamps(f, 'start')}/{count} started)", fmt, target)
                return
            # The same settle time as spawn1000, then the figure after it and a few seconds more
            # (the last of the start-up's garbage collected, or not).
            time.sleep(self.args.settle)
            pid = peer.measured_pid()
            first = rss_mb(pid)
            time.sleep(self.args.settle)
            rss = rss_mb(pid)
            self.record("memory", name, peer.name, rss, fmt, target, f"{first:.1f} MB {self.args.settle:g} s earlier")
            self.log(f"memory: {peer.name}: {count} programs: RSS {first:.1f} → {rss:.1f} MB")
        finally:
            peer.kill()

    # -- crash loop ---------------------------------------------------------------------------------
    def memory_crash_loop(self, peer):
        minutes = self.args.crash_minutes
        f = os.path.join(self.dir, f"crashloop-{peer.key}.stamps")
        self.log(f"memory: {peer.name}, crash loop for {minutes:g} min")
        programs = [("crasher", f"{self.stamp} {f} exit", "respawn")]
        # The "respawn" policy (peers.py) restarts at once on both sides: Taskmaster with
        # backoff.reset_after 0, so its loop runs at the daemon's full speed, the worst case for its
        # memory; supervisord at its own pace, which the restarts/s row shows.
        peer.start("crashloop", programs)
        rows = self.MEMORY_METRICS[2:6]
        try:
            if not wait_for(lambda: count_stamps(f, 'start') >= 3, 60, peer, interval=0.05):
                self.record_na("memory", rows, peer.name, f"the loop did not start ({count_stamps(f, 'start')} starts)")
                return
            pid = peer.measured_pid()
            # Warm-up: the first seconds compile the restart path and fill the event history.
            time.sleep(self.args.settle)
            t0, n0, rss0 = time.monotonic(), count_stamps(f, 'start'), rss_mb(pid)
            samples = [rss0]
            end = t0 + minutes * 60
            while time.monotonic() < end and not peer.exited():
                time.sleep(min(5.0, max(0.0, end - time.monotonic())))
                r = rss_mb(pid)
                if r is not None:
                    samples.append(r)
            if peer.exited():
                self.record_na("memory", rows, peer.name, f"daemon exited during the loop: {peer.output_tail()}")
                return
            t1, n1, rss1 = time.monotonic(), count_stamps(f, 'start'), samples[-1]
            rate = (n1 - n0) / (t1 - t0)
            note = f"{n1 - n0:,} restarts in {t1 - t0:.0f} s"
            self.record("memory", rows[0][0], peer.name, round(rate, 1), "/s", None, note, better=None)
            self.record("memory", rows[1][0], peer.name, rss0, "MB", None, f"after {self.args.settle:g} s of warm-up")
            self.record("memory", rows[2][0], peer.name, rss1, "MB", None, f"max {max(samples):.1f} MB")
            self.record("memory", rows[3][0], peer.name, rss1 - rss0, "MB", rows[3][2],
                        f"{minutes:g} min; per 1,000 restarts {(rss1 - rss0) / max(1, n1 - n0) * 1000:.3f} MB", better=None)
            self.log(f"memory: {peer.name}: crash loop {rate:.0f} restarts/s, RSS {rss0:.1f} → {rss1:.1f} MB "
                     f"(max {max(samples):.1f}) over {t1 - t0:.0f} s")
        finally:
            peer.kill()

    # -- programs printing more than their rings hold -------------------------------------------------
    def memory_chatty(self, peer):
        count, each = self.args.chatty_programs, self.args.chatty_bytes
        metric, fmt, target = self.MEMORY_METRICS[6]
        tag = f"chatty-{peer.key}"
        gate, stamps = os.path.join(self.dir, f"{tag}.gate"), os.path.join(self.dir, f"{tag}.stamps")
        for p in (gate, stamps):
            if os.path.lexists(p):
                os.unlink(p)
        os.mkfifo(gate, 0o600)
        self.log(f"memory: {peer.name}, {count} programs printing {each // MIB} MiB each")
        width = len(str(count - 1))
        peer.start(tag, [Program(f"chatty{i:0{width}d}", f"{self.spew} bytes {each} {gate} {stamps}", "once")
                         for i in range(count)])
        fd = None
        try:
            def stamped(kind):
                return count_stamps(stamps, kind)
            if not wait_for(lambda: stamped("ready") >= count, self.start_timeout(peer, count), peer, interval=0.05):
                self.record("memory", metric, peer.name, f"timeout ({stamped('ready')}/{count} ready)", fmt, target)
                return
            pid = peer.measured_pid()
            before = rss_mb(pid)
            # Open the gate and hold it open until every writer has opened it (a writer stamps
            # "ready" just before it opens the gate).
            fd = os.open(gate, os.O_WRONLY)
            t0 = time.monotonic()
            ok = wait_for(lambda: stamped("end") >= count, self.args.output_timeout, peer, interval=0.1)
            os.close(fd)
            fd = None
            if not ok:
                why = "daemon exited" if peer.exited() else "timeout"
                self.record("memory", metric, peer.name, f"{why} ({stamped('end')}/{count} printed all): "
                            f"{peer.output_tail()}", fmt, target)
                return
            # The writers are done; what was still in their pipes reaches the daemon within moments:
            # the figure is taken once the daemon's CPU time stops moving for a second.
            deadline = time.monotonic() + 60
            last = procutil.cpu_ticks(pid)
            while time.monotonic() < deadline:
                time.sleep(1)
                now = procutil.cpu_ticks(pid)
                if now is None or now - last <= 1:
                    break
                last = now
            rss = rss_mb(pid)
            oom = self.out_of_memory(peer)
            extra = (f"{count} × {each // MIB} MiB printed in {time.monotonic() - t0:.1f} s; {before:.1f} MB before; "
                     + ("OUT OF MEMORY: " + oom if oom else "daemon alive, no OutOfMemoryError"))
            self.record("memory", metric, peer.name, rss, fmt, target, extra)
            self.log(f"memory: {peer.name}: chatty: RSS {before:.1f} → {rss:.1f} MB; {extra}")
        finally:
            if fd is not None:
                os.close(fd)
            peer.kill()
            os.unlink(gate)

    def out_of_memory(self, peer):
        """The first line of the daemon's output or log that tells of an OutOfMemoryError, or ''."""
        if peer.exited():
            return f"daemon exited: {peer.output_tail()}"
        for path in (peer.out_path, os.path.join(self.dir, "tm.log")):
            try:
                with open(path, errors="replace") as fh:
                    for line in fh:
                        if "OutOfMemoryError" in line:
                            return line.strip()[:200]
            except OSError:
                pass
        return ""
