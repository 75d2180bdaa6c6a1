"""The scenarios of bench/chaos that need nothing but processes and signals: kill storm,
reload storm, low descriptor limit, and FIFO / device includes.  The two that are about output
(full disk, stalled viewers) are in chaos_output.py.

Each scenario is a class with a body(); Scenario.execute() gives it a directory, a time budget
and an Outcome, and whatever happens it then stops the probers and daemons it started, counts
crashes and processes left unsupervised, and kills those by pid.
"""
import errno
import os
import re
import signal
import stat
import subprocess
import threading
import time
import traceback

import procutil
from chaoskit import (ChaosError, Budget, Daemon, Leftovers, Outcome, Probe, api_cell, log, program_yaml,
                      state_of, wait_until, RSS_GOAL_MB)

STACK_TRACE = re.compile(r"^\s+at [\w$.]+\(|Exception in thread|\w+(Exception|Error): ", re.M)
# file:line:column, at the start of a --check-config line or after the daemon log's prefix.
LOCATED = re.compile(r"(?:^|\s)\S+:\d+:\d+: ", re.M)


class Scenario:
    name = "?"
    title = "?"

    def __init__(self, run):
        self.run = run
        self.args = run.args
        self.quick = run.args.quick
        self.dir = os.path.join(run.dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.out = Outcome(self.name)
        self.daemons = []
        self.probes = []
        self.leftovers = []
        self.budget = Budget(self.time_budget())

    def time_budget(self):
        return 120

    # -- what bodies use -----------------------------------------------------------------------------
    def daemon(self, sub=None, nofile=None):
        d = Daemon(self.run, os.path.join(self.dir, sub) if sub else self.dir, self.run.flags, nofile=nofile)
        os.makedirs(d.dir, exist_ok=True)
        self.daemons.append(d)
        return d

    def start(self, d, wait=True):
        """Starts d with a fresh watch for leftovers; waits for its socket unless told not to."""
        left = Leftovers(d.dir)
        self.leftovers.append(left)
        d.start()
        left.watch(d)
        if wait and not d.wait_socket(self.budget.left(60)):
            d.expected_exit = not d.alive()   # it did not start: reported as that, not as a crash
            raise ChaosError(f"the daemon did not start: {d.exit_reason() if not d.alive() else 'no socket within 60 s'}")
        return d

    def probe(self, d, connect_timeout=60):
        p = Probe(self.run, d, connect_timeout)
        self.probes.append(p)
        return p

    def ready(self, probe, d, timeout=60):
        """The probe's READY, or a ChaosError as soon as the daemon is gone."""
        deadline = time.monotonic() + min(timeout, self.budget.left())
        while True:
            try:
                return probe.ready(0.25)
            except ChaosError:
                if not d.alive():
                    raise ChaosError(f"the daemon exited before its API answered: {d.exit_reason()}")
                if time.monotonic() > deadline:
                    raise

    def quiet_baseline(self, probe, seconds=2.0):
        """Starts the prober and lets it call for a while before the fault: what the API takes on
        this host with the daemon idle, to read the figures of the fault against (a note)."""
        probe.go()
        time.sleep(min(seconds, self.budget.left()))
        lap = probe.lap()
        if lap:
            self.out.notes.append(f"API before the fault, daemon idle: p99 {lap['p99']:.1f} ms, max {lap['max']:.0f} ms "
                                  f"(p50 {lap['p50']:.1f}, N={lap['calls']})")

    def wait_states(self, probe, want, timeout, what):
        """Polls ListProcesses until want(processes) holds; returns the last answer."""
        last = [None]

        def ok():
            last[0] = probe.list()
            return last[0] is not None and want(last[0].get("processes", []))
        if not wait_until(ok, self.budget.left(timeout), interval=0.2):
            procs = (last[0] or {}).get("processes", [])
            states = {}
            for p in procs:
                states[state_of(p)] = states.get(state_of(p), 0) + 1
            raise ChaosError(f"{what} not reached within {timeout:g} s (states: {states or 'no answer'})")
        return last[0]

    def stop_daemon(self, d):
        if not d.alive():
            return (d.proc.returncode if d.proc else None), 0.0
        code, secs = d.stop(timeout=30)
        if code is None:
            self.out.fail("the daemon did not exit within 30 s of SIGTERM (killed)")
        elif code != 0:
            self.out.fail(f"the daemon exited {code} after SIGTERM")
        return code, secs

    def collect_leftovers(self):
        helpers = [p.pid for p in self.run.helpers if p.poll() is None]
        for left in self.leftovers:
            found = left.collect(helpers)
            self.out.unsupervised += len(found)
            if found:
                self.out.fail(f"{len(found)} processes left unsupervised, killed: {', '.join(found[:3])}"
                              f"{'…' if len(found) > 3 else ''}")
        self.leftovers = []

    # -- the frame -----------------------------------------------------------------------------------
    def execute(self):
        t0 = time.monotonic()
        log(f"{self.name}: {self.title} (budget {self.budget.seconds:g} s)")
        try:
            self.body()
        except ChaosError as e:
            self.out.fail(str(e))
        except Exception as e:  # noqa: BLE001 - a harness bug is reported, never a crash of the suite
            traceback.print_exc()
            self.out.fail(f"harness error: {e!r}")
        finally:
            self.teardown()
        self.out.seconds = time.monotonic() - t0
        log(f"{self.name}: {self.out.verdict} ({self.out.seconds:.0f} s)")
        return self.out

    def teardown(self):
        results = [p.stop() for p in self.probes]
        if self.out.api == "—":
            api_cell(self.out, results)
        for p in self.probes:
            if p.missed():
                self.out.notes.append(f"the event stream reported events missed {len(p.missed())} times")
        for d in self.daemons:
            if d.alive():
                self.stop_daemon(d)
            if d.crash_counted:
                continue
            if d.exited_unasked():
                self.out.crashes += 1
                self.out.fail(f"the daemon died ({d.exit_reason()})")
            elif d.crash_signs():
                self.out.crashes += 1
                self.out.fail(f"the daemon reported a crash: {d.crash_signs()[0][:160]}")
        self.run.stop_helpers()
        self.collect_leftovers()
        self.cleanup()

    def cleanup(self):
        pass

    def body(self):
        raise NotImplementedError


# -- helpers over stamp files and events -----------------------------------------------------------
def stamps(path, kind="start"):
    """[(ns, pid)] of the `kind` lines of a stamp file (src/stamp.c), in file order."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[0] == kind and line.endswith("\n"):
                    out.append((int(p[1]), int(p[2])))
    except FileNotFoundError:
        pass
    return out


def is_child(pid, parent):
    f = procutil.stat_fields(pid)
    return f is not None and f[0] != "Z" and int(f[1]) == parent


def kill_child(pid, parent):
    """SIGKILL pid if it is parent's child, through a pidfd taken before the check: if the
    process is gone and its pid reused meanwhile, the signal fails instead of reaching another
    process.  True if the signal was sent."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return False
    try:
        if not is_child(pid, parent):
            return False
        signal.pidfd_send_signal(fd, signal.SIGKILL)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class ProcessView:
    """Each process's state and pid as the daemon's event stream tells it, and every exit it
    reported, read incrementally from a Probe's recording."""

    def __init__(self, probe):
        self.probe = probe
        self.n = 0
        self.state = {}
        self.pid = {}
        self.exits = []       # (process, exit info)
        self.reloads = []     # ConfigReloaded payloads
        self.other = []       # any other event: (payload key, payload)

    def update(self):
        events = self.probe.events()
        for e in events[self.n:]:
            if "snapshot" in e:
                for p in e["snapshot"].get("processes", []):
                    self.state[p["fullName"]] = state_of(p)
                    self.pid[p["fullName"]] = p.get("pid", 0)
            elif "event" in e:
                ev = e["event"]
                psc = ev.get("processStateChanged")
                if psc:
                    proc = psc.get("process", {})
                    name = proc.get("fullName")
                    self.state[name] = psc.get("toState", "").removeprefix("PROCESS_STATE_")
                    self.pid[name] = proc.get("pid", 0)
                    if "exit" in psc:
                        self.exits.append((name, psc["exit"]))
                elif "configReloaded" in ev:
                    self.reloads.append(ev["configReloaded"])
                else:
                    for k, v in ev.items():
                        if k not in ("sequence", "time"):
                            self.other.append((k, v))
        self.n = len(events)
        return self


def fmt_int(n):
    return f"{n:,}"


# -- kill storm -------------------------------------------------------------------------------------
class KillStorm(Scenario):
    name = "kill-storm"
    title = "SIGKILL running programs at a steady rate: every death an event, the final state exact"

    def time_budget(self):
        return self.seconds() + 90

    def seconds(self):
        return self.args.kill_seconds or (8 if self.quick else 30)

    def body(self):
        a = self.args
        n, rate, secs = a.kill_programs, a.kill_rate, self.seconds()
        progs = [f"victim{i:02d}" for i in range(n)]
        files = {p: os.path.join(self.dir, f"{p}.stamps") for p in progs}
        d = self.daemon()
        d.write_config(d.server_yaml() + "programs:\n" + "".join(
            program_yaml(p, f"{self.run.stamp} {files[p]} sleep", starttime=0, autorestart="always", startretries=-1,
                         stoptime="5s") for p in progs))
        self.start(d)
        probe = self.ready(self.probe(d), d)
        view = ProcessView(probe)
        wait_until(lambda: all(view.update().state.get(p) == "RUNNING" for p in progs), self.budget.left(60))
        if not all(view.state.get(p) == "RUNNING" for p in progs):
            raise ChaosError("the programs did not all reach RUNNING")
        self.quiet_baseline(probe)
        log(f"{self.name}: {n} programs, SIGKILL at {rate:g}/s for {secs:g} s")
        kills = {p: [] for p in progs}
        killed = set()
        idle_slots, i = 0, 0
        interval = 1.0 / rate
        t_end = time.monotonic() + secs
        next_t = time.monotonic()
        while time.monotonic() < t_end:
            self.budget.check("killing")
            if not d.alive():
                raise ChaosError(f"the daemon died during the storm ({d.exit_reason()})")
            view.update()
            for k in range(n):
                p = progs[(i + k) % n]
                pid = view.pid.get(p, 0)
                # Only a RUNNING process of ours, each pid once: a kill during STARTING would be a
                # failed start (BACKOFF), another test.  The parent check keeps us from ever
                # signalling a pid that is not the daemon's child; the stamp check, from killing
                # one before it wrote its start line (the exact count of starts relies on it).
                if view.state.get(p) == "RUNNING" and pid and pid not in killed \
                        and pid in {s for _, s in stamps(files[p])[-2:]} and kill_child(pid, d.pid):
                    killed.add(pid)
                    kills[p].append(pid)
                    i = (i + k + 1) % n
                    break
            else:
                idle_slots += 1
            next_t += interval
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_t = time.monotonic()
        total = len(killed)
        log(f"{self.name}: {total} SIGKILLs sent; waiting for every program to be RUNNING again")

        def settled():
            # RUNNING comes at once (starttime 0), the program's own start line a moment later.
            view.update()
            return all(view.state.get(p) == "RUNNING" and view.pid.get(p, 0) not in killed
                       and view.pid.get(p) in {s for _, s in stamps(files[p])[-1:]} for p in progs)
        if not wait_until(settled, self.budget.left(30), interval=0.05):
            self.out.fail("not every program RUNNING again within 30 s of the last kill: " + ", ".join(
                f"{p} {view.state.get(p)}" for p in progs if view.state.get(p) != "RUNNING"))
        final = probe.list() or {}
        self.verify(progs, files, kills, killed, view, final, d)
        self.out.done = (f"{fmt_int(total)} SIGKILLs ({total / secs:.0f}/s for {secs:g} s, {n} programs); "
                         f"{fmt_int(sum(1 for _, x in view.exits if x.get('pid') in killed))} exit events; "
                         f"{fmt_int(sum(len(stamps(f)) for f in files.values()))} starts")
        if idle_slots:
            self.out.notes.append(f"{idle_slots} kill slots found no RUNNING process (all were restarting)")

    def verify(self, progs, files, kills, killed, view, final, d):
        by_pid = {}
        stray = []
        for name, x in view.exits:
            pid = x.get("pid")
            if pid in killed:
                by_pid.setdefault(pid, []).append(x)
            else:
                stray.append(f"{name} pid {pid}")
        unreported = [pid for pid in killed if pid not in by_pid]
        twice = [pid for pid, xs in by_pid.items() if len(xs) > 1]
        wrong = [pid for pid, xs in by_pid.items() if xs[0].get("killed", {}).get("signalNumber") != 9]
        self.out.lost = len(unreported)
        if unreported:
            self.out.fail(f"{len(unreported)} of {len(killed)} deaths without an exit event")
        if twice:
            self.out.fail(f"{len(twice)} deaths reported twice")
        if wrong:
            self.out.fail(f"{len(wrong)} exit events without 'killed by signal 9'")
        if stray:
            self.out.fail(f"{len(stray)} exits of processes the storm did not kill ({', '.join(stray[:3])})")
        procs = {p["fullName"]: p for p in final.get("processes", [])}
        for p in progs:
            info = procs.get(p)
            starts = stamps(files[p])
            if info is None:
                self.out.fail(f"{p} missing from the final status")
                continue
            if state_of(info) != "RUNNING":
                self.out.fail(f"{p} is {state_of(info)} at the end")
            if info.get("restartCount", 0) != len(kills[p]):
                self.out.fail(f"{p}: restart count {info.get('restartCount', 0)}, killed {len(kills[p])} times")
            if len(starts) != len(kills[p]) + 1:
                self.out.fail(f"{p}: started {len(starts)} times for {len(kills[p])} kills")
            if starts and (info.get("pid") != starts[-1][1] or not is_child(starts[-1][1], d.pid)):
                self.out.fail(f"{p}: the status says pid {info.get('pid')}, the last one started is {starts[-1][1]}")


# -- reload storm -----------------------------------------------------------------------------------
class ReloadStorm(Scenario):
    name = "reload-storm"
    title = "SIGHUPs while programs run: unchanged programs keep their pids, the final state is the file's"

    def time_budget(self):
        return self.count() / self.args.reload_rate + 90

    def count(self):
        return self.args.sighups or (50 if self.quick else 200)

    def config(self, d, v):
        """Version v (0 or 1): `flip` runs another command in each; `toggle` exists in 0 only."""
        keep = "".join(program_yaml(f"keep{i:02d}", f"{self.run.stamp} {self.dir}/keep{i:02d}.stamps sleep", starttime=0)
                       for i in range(self.args.reload_programs))
        flip = program_yaml("flip", f"{self.run.stamp} {self.dir}/flip-{v}.stamps sleep", starttime=0)
        toggle = program_yaml("toggle", f"{self.run.stamp} {self.dir}/toggle.stamps sleep", starttime=0) if v == 0 else ""
        return d.server_yaml() + "programs:\n" + keep + flip + toggle

    @staticmethod
    def version(i):
        """The file of SIGHUP i: two in a row alike, so half the reloads change nothing."""
        return (i // 2) % 2

    def body(self):
        count, rate = self.count(), self.args.reload_rate
        keep = [f"keep{i:02d}" for i in range(self.args.reload_programs)]
        d = self.daemon()
        d.write_config(self.config(d, 1))
        self.start(d)
        probe = self.ready(self.probe(d), d)
        self.wait_states(probe, lambda ps: len(ps) == len(keep) + 1 and all(state_of(p) == "RUNNING" for p in ps), 60,
                         "every program RUNNING")
        # RUNNING comes at once (starttime 0), the program's own start line a moment later.
        wait_until(lambda: all(stamps(os.path.join(self.dir, f"{k}.stamps")) for k in keep), self.budget.left(10))
        first = {k: stamps(os.path.join(self.dir, f"{k}.stamps")) for k in keep}
        self.quiet_baseline(probe)
        log(f"{self.name}: {count} SIGHUPs at {rate:g}/s, {len(keep) + 2} programs")
        changed = 0
        for i in range(count):
            self.budget.check("sending SIGHUPs")
            if not d.alive():
                raise ChaosError(f"the daemon died during the storm ({d.exit_reason()})")
            v = self.version(i)
            if i == 0 or v != self.version(i - 1):
                d.write_config(self.config(d, v))
                changed += 1
            d.signal(signal.SIGHUP)
            time.sleep(1.0 / rate)
        v = self.version(count - 1)
        names = set(keep) | {"flip"} | ({"toggle"} if v == 0 else set())
        flip_file = os.path.join(self.dir, f"flip-{v}.stamps")

        def final_state(ps):
            if {p["fullName"] for p in ps} != names or not all(state_of(p) == "RUNNING" for p in ps):
                return False
            flip = next(p for p in ps if p["fullName"] == "flip")
            return bool(stamps(flip_file)) and flip.get("pid") == stamps(flip_file)[-1][1]
        try:
            final = self.wait_states(probe, final_state, 30, "the last file's state")
        except ChaosError as e:
            final = probe.list() or {}
            self.out.fail(str(e))
        view = ProcessView(probe).update()
        self.verify(keep, first, final, view, v, d)
        rejected = d.log_text().count("configuration rejected")
        if rejected:
            self.out.fail(f"{rejected} reloads rejected (every file written was valid, and replaced atomically)")
        self.out.done = (f"{fmt_int(count)} SIGHUPs ({changed} with a changed file); {len(view.reloads)} reloads applied; "
                         f"flip started {sum(len(stamps(os.path.join(self.dir, f'flip-{x}.stamps'))) for x in (0, 1))}×, "
                         f"toggle {len(stamps(os.path.join(self.dir, 'toggle.stamps')))}×")

    def verify(self, keep, first, final, view, v, d):
        procs = {p["fullName"]: p for p in final.get("processes", [])}
        moved = []
        for k in keep:
            now = stamps(os.path.join(self.dir, f"{k}.stamps"))
            if len(first[k]) != 1 or now != first[k] or procs.get(k, {}).get("pid") != now[0][1] or not is_child(now[0][1], d.pid):
                moved.append(k)
        self.out.lost = len(moved)
        if moved:
            self.out.fail(f"{len(moved)} unchanged programs restarted or lost their pid ({', '.join(moved[:3])})")
        touched = set()
        for r in view.reloads:
            diff = r.get("diff", {})
            for key in ("addedPrograms", "removedPrograms"):
                touched |= set(diff.get(key, [])) & set(keep)
            for key in ("changedPrograms", "updatedPrograms"):
                touched |= {c.get("name", c.get("program")) for c in diff.get(key, []) if isinstance(c, dict)} & set(keep)
        if touched:
            self.out.fail(f"reload diffs named unchanged programs: {', '.join(sorted(touched))}")
        # Every flip and toggle process but the current ones is gone.
        current = {procs.get("flip", {}).get("pid"), procs.get("toggle", {}).get("pid")}
        alive = [pid for f in ("flip-0", "flip-1", "toggle") for _, pid in stamps(os.path.join(self.dir, f + ".stamps"))
                 if pid not in current and procutil.alive(pid)]
        if alive:
            self.out.fail(f"{len(alive)} replaced processes still alive")
        if v == 1 and "toggle" in procs:
            self.out.fail("toggle still present although the last file removed it")


# -- low descriptor limit ---------------------------------------------------------------------------------
class LowFdLimit(Scenario):
    name = "low-fd"
    title = "taskmasterd under prlimit --nofile=256:256 with 200 programs, several runs"
    # Read loosely: the words may change, the subject may not.
    FD_REASON = re.compile(r"descriptor|EMFILE|open.files|nofile", re.I)
    FD_WARNING = re.compile(r"(WARN|ERROR).*(descriptor|open.files|nofile|RLIMIT_NOFILE|fd limit)", re.I)

    def runs(self):
        return self.args.fd_runs or (2 if self.quick else 5)

    def time_budget(self):
        return self.runs() * 75 + 30

    def body(self):
        n, limit = self.args.fd_programs, self.args.fd_limit
        crashes, summary = 0, []
        for r in range(self.runs()):
            self.budget.check(f"run {r + 1}")
            d = self.daemon(sub=f"run{r}", nofile=limit)
            f = os.path.join(d.dir, "fd.stamps")
            d.write_config(d.server_yaml() + "programs:\n" + "".join(
                program_yaml(f"p{i:03d}", f"{self.run.stamp} {f} sleep", starttime=0, startretries=1,
                             backoff={"initial": "200ms"}) for i in range(n)))
            probe = self.probe(d)          # before the daemon: it measures from the first answer on
            self.start(d, wait=False)
            log(f"{self.name}: run {r + 1}/{self.runs()}: {n} programs under --nofile={limit}:{limit}")
            try:
                self.ready(probe, d, 60)
                probe.go()
                final = self.wait_states(probe, lambda ps: len(ps) == n and all(state_of(p) in ("RUNNING", "FATAL") for p in ps),
                                         60, f"run {r + 1}: every program RUNNING or FATAL")
            except ChaosError as e:
                if not d.alive():
                    crashes += 1
                    d.crash_counted = True      # counted here, with the programs it left
                    summary.append(f"run {r + 1}: daemon exited {d.proc.returncode} at start-up")
                    self.out.fail(f"run {r + 1}: the daemon exited: {d.exit_reason()}")
                else:
                    summary.append(f"run {r + 1}: {e}")
                    self.out.fail(f"run {r + 1}: {e}")
                probe.stop()
                self.stop_daemon(d)
                self.collect_leftovers()
                continue
            # The daemon keeps answering with most of its programs FATAL: a window of Status calls.
            time.sleep(min(self.args.fd_hold, self.budget.left()))
            procs = final["processes"]
            running = [p for p in procs if state_of(p) == "RUNNING"]
            fatal = [p for p in procs if state_of(p) == "FATAL"]
            unexplained = [p for p in fatal if not self.FD_REASON.search(p.get("description", "") + " " + p.get("spawnError", ""))]
            starts = stamps(f)
            bound = os.stat(d.socket).st_ctime_ns if os.path.exists(d.socket) else None
            lead = (min(ns for ns, _ in starts) - bound) / 1e6 if starts and bound else None
            if lead is not None and lead < 0:
                self.out.fail(f"run {r + 1}: a program started {-lead:.0f} ms before the API socket was bound")
            if unexplained:
                self.out.fail(f"run {r + 1}: {len(unexplained)} FATAL without a reason about descriptors "
                              f"(e.g. {unexplained[0]['fullName']}: {unexplained[0].get('description', '')[:80]!r})")
            if fatal and not self.FD_WARNING.search(d.log_text()):
                self.out.fail(f"run {r + 1}: no warning in the daemon log that {n} programs do not fit in {limit} descriptors")
            if not d.alive():
                crashes += 1
                d.crash_counted = True
                self.out.fail(f"run {r + 1}: the daemon exited: {d.exit_reason()}")
            probe.stop()
            code, secs = self.stop_daemon(d)
            summary.append(f"run {r + 1}: {len(running)} RUNNING, {len(fatal)} FATAL"
                           + (f", API bound {lead:.0f} ms before the first program" if lead is not None else "")
                           + f", exit {code} in {secs:.1f} s")
            self.collect_leftovers()
        self.out.crashes += crashes
        self.out.done = f"{self.runs()} runs × {n} programs under --nofile={limit}: " + "; ".join(summary)
        self.out.lost = "—"


# -- poisoned includes -------------------------------------------------------------------------------
class PoisonedInclude(Scenario):
    """Shared by the FIFO and device scenarios: --check-config on the file, then a reload with
    it on a live daemon, then a reload of the good file again."""
    targets = ()

    def time_budget(self):
        return 60 + 50 * len(self.targets)

    def make_target(self, target):
        return target

    def body(self):
        d = self.daemon()
        progs = "programs:\n" + "".join(program_yaml(f"keep{i}", f"{self.run.stamp} {self.dir}/keep{i}.stamps sleep", starttime=0)
                                        for i in range(5))
        good = d.server_yaml() + progs
        d.write_config(good)
        self.start(d)
        probe = self.ready(self.probe(d), d)
        first = self.wait_states(probe, lambda ps: len(ps) == 5 and all(state_of(p) == "RUNNING" for p in ps), 60,
                                 "every program RUNNING")
        pids = {p["fullName"]: p.get("pid") for p in first["processes"]}
        self.quiet_baseline(probe)
        rss = RssWatch(d)
        done = []
        try:
            for target in self.targets:
                path = self.make_target(target)
                done.append(self.check_config(d, progs, path))
                done.append(self.reload(d, good, path))
        finally:
            rss.stop()
        final = probe.list() or {}
        if {p["fullName"]: p.get("pid") for p in final.get("processes", [])} != pids:
            self.out.fail("the programs' pids changed across the rejected reloads")
        grown = (rss.peak - rss.first) if rss.first is not None and rss.peak is not None else None
        if grown is not None and grown > RSS_GOAL_MB:
            self.out.fail(f"the daemon's RSS grew by {grown:.0f} MB (goal ≤ {RSS_GOAL_MB:g} MB)")
        self.out.done = "; ".join(done) + (f"; RSS {rss.first:.0f} → peak {rss.peak:.0f} → {rss.last:.0f} MB"
                                            if grown is not None else "")
        self.out.lost = "—"

    def check_config(self, d, progs, target):
        """--check-config on a file including target: exit 1 within 20 s, a located error, no stack trace."""
        poisoned = os.path.join(self.dir, "poisoned.yaml")
        with open(poisoned, "w") as f:
            f.write(progs + f"include: {target}\n")
        t0 = time.monotonic()
        p = subprocess.Popen([self.run.taskmasterd, "--check-config", poisoned], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=d.env(), start_new_session=True)
        try:
            out, err = p.communicate(timeout=self.budget.left(20))
        except subprocess.TimeoutExpired:
            procutil.kill_pids([p.pid])
            p.communicate()
            self.release(target)
            self.out.fail(f"--check-config with include: {target} did not return within 20 s")
            return f"check-config {os.path.basename(target)}: hung"
        secs = time.monotonic() - t0
        if p.returncode != 1:
            self.out.fail(f"--check-config with include: {target} exited {p.returncode}, not 1")
        if not LOCATED.search(err):
            self.out.fail(f"--check-config with include: {target}: no file:line:column in {err.strip()[:120]!r}")
        if STACK_TRACE.search(err):
            self.out.fail(f"--check-config with include: {target}: a stack trace on stderr")
        return f"check-config {os.path.basename(target)}: exit {p.returncode} in {secs:.1f} s"

    def reload(self, d, good, target):
        """SIGHUP with the include; the rejection must come, located, and the good file must then
        reload as ever."""
        name = os.path.basename(target)
        mark = len(d.log_text())
        d.write_config(good + f"include: {target}\n")
        t0 = time.monotonic()
        d.signal(signal.SIGHUP)
        outcome = [None]

        def answered():
            text = d.log_text()[mark:]
            if "configuration rejected" in text:
                outcome[0] = "rejected"
            elif "configuration reloaded" in text:
                outcome[0] = "accepted"
            return outcome[0] is not None or not d.alive()
        wait_until(answered, self.budget.left(15), interval=0.05)
        secs = time.monotonic() - t0
        reading = self.held_open(d, target)
        text = d.log_text()[mark:]
        if not d.alive():
            raise ChaosError(f"the daemon died on the reload with include: {target} ({d.exit_reason()})")
        if outcome[0] is None:
            self.out.fail(f"reload with include: {target}: no answer within 15 s"
                          + (" (the daemon is still reading it)" if reading else ""))
        elif outcome[0] == "accepted":
            self.out.fail(f"reload with include: {target}: accepted")
        else:
            errors = text[text.index("configuration rejected"):]
            if not LOCATED.search(errors):
                self.out.fail(f"reload with include: {target}: the rejection has no file:line:column")
        self.release(target)
        # The reload path still works afterwards.
        mark = len(d.log_text())
        d.write_config(good)
        d.signal(signal.SIGHUP)
        if not wait_until(lambda: "configuration reloaded" in d.log_text()[mark:] or not d.alive(), self.budget.left(15)) \
                or not d.alive():
            self.out.fail(f"after include: {target}, a good file was not reloaded within 15 s")
        return f"reload {name}: {outcome[0] or 'no answer'} in {secs:.1f} s"

    @staticmethod
    def held_open(d, target):
        """True if the daemon has target open, or a thread of it waits in a FIFO's open (which
        blocks until a writer comes): a reload stuck on it."""
        try:
            for fd in os.listdir(f"/proc/{d.pid}/fd"):
                try:
                    if os.readlink(f"/proc/{d.pid}/fd/{fd}") == target:
                        return True
                except OSError:
                    pass
            for tid in os.listdir(f"/proc/{d.pid}/task"):
                if "fifo" in (procutil.read(f"/proc/{d.pid}/task/{tid}/wchan") or ""):
                    return True
        except OSError:
            pass
        return False

    def release(self, target):
        pass


class FifoInclude(PoisonedInclude):
    name = "fifo-include"
    title = "include: of a FIFO by its exact path, in --check-config and in a reload"
    targets = ("fifo.yaml",)

    def make_target(self, target):
        path = os.path.join(self.dir, target)
        if not os.path.exists(path):
            os.mkfifo(path, 0o600)
        return path

    def release(self, target):
        """A reader stuck on the FIFO gets its end of file: open it for writing and close it
        (non-blocking: ENXIO when nobody reads it, which is the good case)."""
        if os.path.exists(target) and stat.S_ISFIFO(os.stat(target).st_mode):
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise


class DeviceInclude(PoisonedInclude):
    name = "device-include"
    title = "include: of /dev/zero and /dev/urandom, in --check-config and in a reload; the daemon's memory"
    targets = ("/dev/zero", "/dev/urandom")


class RssWatch:
    """The daemon's RSS every 0.1 s, in the background: the first, peak and last values (MB)."""

    def __init__(self, d):
        self.d = d
        self.first = d.rss_mb()
        self.peak = self.first
        self.last = self.first
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()

    def _loop(self):
        while not self._stop.wait(0.1):
            v = self.d.rss_mb()
            if v is not None:
                self.last = v
                self.peak = max(self.peak or 0, v)

    def stop(self):
        self._stop.set()
        self._t.join(2)
