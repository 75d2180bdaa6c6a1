"""/proc helpers of the benchmarks: process stats, finding and killing what a run started.

Everything a run starts carries the run's marker: its temporary directory appears in the
command line (config path, stamp path) and BENCH_RUN=<dir> is in its environment.  Cleanup
kills only processes that carry the marker, by pid.
"""
import ctypes
import os
import signal
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of the daemons we start are re-parented to us, not to init, so that they stay
    visible as our descendants and we can reap them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except OSError:
        pass


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name: [state, ppid, ...] (state is index 0)."""
    s = read(f"/proc/{pid}/stat")
    if s is None:
        return None
    return s[s.rindex(")") + 2:].split()


def alive(pid):
    """True while pid exists and is not a zombie."""
    f = stat_fields(pid)
    return f is not None and f[0] != "Z"


def cpu_ticks(pid):
    """utime + stime of the whole process (all threads), in clock ticks."""
    f = stat_fields(pid)
    return None if f is None else int(f[11]) + int(f[12])


def rss_kb(pid):
    s = read(f"/proc/{pid}/status")
    if s is None:
        return None
    for line in s.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cmdline(pid):
    s = read(f"/proc/{pid}/cmdline", "rb")
    return [] if not s else s.rstrip(b"\0").split(b"\0")


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def children_map():
    """ppid -> [pid] of every live process."""
    m = {}
    for pid in all_pids():
        f = stat_fields(pid)
        if f is not None and f[0] != "Z":
            m.setdefault(int(f[1]), []).append(pid)
    return m


def descendants(root, cmap=None):
    cmap = children_map() if cmap is None else cmap
    out, todo = [], [root]
    while todo:
        for c in cmap.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def marked(marker, exclude=()):
    """Pids of processes carrying the run marker (in their command line or environment)."""
    mb = marker.encode()
    env_mark = b"BENCH_RUN=" + mb
    me = {os.getpid(), os.getppid(), *exclude}
    out = []
    for pid in all_pids():
        if pid in me:
            continue
        cl = read(f"/proc/{pid}/cmdline", "rb")
        if cl and mb in cl:
            out.append(pid)
            continue
        env = read(f"/proc/{pid}/environ", "rb")
        if env and env_mark in env.split(b"\0"):
            out.append(pid)
    return out


def reap_children():
    """Reap every zombie child of ours (orphans handed to us as subreaper, dead daemons)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def reap(pids):
    """Reap those of pids that are zombie children of ours (orphans handed to us as subreaper);
    unlike waitpid(-1) this never takes a daemon's exit status away from its Popen."""
    me = os.getpid()
    for pid in pids:
        f = stat_fields(pid)
        if f is not None and f[0] == "Z" and int(f[1]) == me:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def kill_pids(pids, sig=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_marked(marker, daemons=(), timeout=10.0, reap=False):
    """SIGKILL the daemons first (so nothing respawns), then every marked process, until none
    is left or timeout.  Returns the pids still alive (normally none)."""
    kill_pids([p for p in daemons if p])
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in marked(marker) if alive(p)]
        if reap:
            reap_children()
        if not left or time.monotonic() > deadline:
            return left
        kill_pids(left)
        time.sleep(0.05)
