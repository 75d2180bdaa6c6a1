"""Stamp files (src/stamp.c, src/spew.c: one "KIND NS PID" line per write(2)) and the figures
taken from them, shared by every benchmark module: reading and counting stamps, polling for a
condition with a deadline, the respawn latencies, median and nearest-rank percentile."""
import time


def read_stamps(path):
    """[(kind, ns, pid)] in file order (the order of the O_APPEND writes)."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and line.endswith("\n"):
                    out.append((p[0], int(p[1]), int(p[2])))
    except FileNotFoundError:
        pass
    return out


def count_starts(path):
    return count_stamps(path, "start")


def wait_for(cond, timeout, peer=None, interval=0.01):
    """Polls cond() until true; False on timeout or when the daemon exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return True
        if peer is not None and peer.exited():
            return cond()
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * p // 100) - 1))
    return sorted_values[int(k)]


def median(sorted_values):
    n = len(sorted_values)
    if n == 0:
        return None
    return sorted_values[n // 2] if n % 2 else (sorted_values[n // 2 - 1] + sorted_values[n // 2]) / 2


def respawn_latencies_ms(stamps):
    """start(n+1) - exit(n) for each consecutive pair of processes."""
    lat, last_exit = [], None
    for kind, ns, _ in stamps:
        if kind == "exit":
            last_exit = ns
        elif kind == "start" and last_exit is not None:
            lat.append((ns - last_exit) / 1e6)
            last_exit = None
    return lat


def count_stamps(path, kind):
    """Lines of `kind` ("start", "ready", "end") in a stamp file."""
    try:
        with open(path, "rb") as f:
            return f.read().count(kind.encode() + b" ")
    except FileNotFoundError:
        return 0
