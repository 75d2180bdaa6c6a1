"""Measurements of issue 17 §3 and §5 used by bench.py's bench_respawn and bench_spawn1000:

- the reference a respawn is compared with: a bash `while` loop running the stamp program back
  to back, measured like the supervisors (its stamp file, N respawns, start(n+1) - exit(n));
- ListProcesses p99 while 1,000 programs start (src/MassStartLatency.java on the daemon's
  socket), and supervisord's equivalent, XML-RPC getAllProcessInfo while startAllProcesses runs.

python3 stdlib only; every process started is killed by pid.
"""
import http.client
import os
import subprocess
import threading
import time
import xmlrpc.client

import procutil
from peers import BENCH, ROOT
from stamps import count_starts, median, percentile, read_stamps, respawn_latencies_ms, wait_for


def bash_loop_respawn(rundir, stamp, n, tag):
    """(median ms, p99 ms, N) of a bash `while :` loop respawning `stamp FILE exit`, stopped by
    pid once N+1 starts are in its stamp file, as the supervisors are; None when it made none."""
    f = os.path.join(rundir, f"respawn-bash-{tag}.stamps")
    script = 'while :; do "$0" "$1" exit; done'
    p = subprocess.Popen(["bash", "-c", script, stamp, f], env=dict(os.environ, BENCH_RUN=rundir),
                         start_new_session=True)
    try:
        deadline = time.monotonic() + 15 + n * 0.25
        while count_starts(f) < n + 1 and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.02)
    finally:
        procutil.kill_marked(rundir, daemons=[p.pid] if p.poll() is None else [])
        p.wait()
    lat = sorted(respawn_latencies_ms(read_stamps(f))[:n])
    if not lat:
        return None
    return median(lat), percentile(lat, 99), len(lat)


def compile_client(rundir):
    """javac src/MassStartLatency.java against the built client's jars; (java, classpath)."""
    jar = os.path.join(ROOT, "cli-client", "target", "taskmasterctl.jar")
    libdir = os.path.join(ROOT, "cli-client", "target", "lib")
    if not os.path.exists(jar) or not os.path.isdir(libdir):
        raise RuntimeError("client not built: cli-client/target missing")
    jdk = subprocess.run([os.path.join(ROOT, "bin", "lib", "find-jdk"), "--javac"], capture_output=True, text=True,
                         timeout=30)
    if jdk.returncode != 0:
        raise RuntimeError(f"no JDK ≥ 25 with javac: {jdk.stderr.strip()}")
    home = jdk.stdout.strip()
    cp = ":".join([jar] + sorted(os.path.join(libdir, j) for j in os.listdir(libdir) if j.endswith(".jar")))
    classes = os.path.join(rundir, "classes-launch")
    c = subprocess.run([os.path.join(home, "bin", "javac"), "-nowarn", "-d", classes, "-cp", cp,
                        os.path.join(BENCH, "src", "MassStartLatency.java")],
                       capture_output=True, text=True, timeout=300, env=dict(os.environ, BENCH_RUN=rundir))
    if c.returncode != 0:
        raise RuntimeError("src/MassStartLatency.java does not compile: " + c.stderr.strip()[-300:])
    return os.path.join(home, "bin", "java"), classes + ":" + cp


def list_p99_taskmaster(rundir, client, peer, stamps, count, timeout):
    """With every program stopped (the client stops all, waiting, before it is READY): starts
    all and times ListProcesses until `count` more starts are stamped. (p50, p99, max, n) or a
    reason string."""
    java, cp = client
    proc = subprocess.Popen([java, "-XX:+UseSerialGC", "-cp", cp, "MassStartLatency", os.path.join(peer.rundir, "tm.sock")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ, BENCH_RUN=rundir))
    try:
        line = proc.stdout.readline().strip()
        if line != "READY":
            return f"n/a (client: {line or 'no answer'})"
        # Every program down first: the stop is the harness's (a ctl stop all, waited for), then go.
        ctl = os.path.join(ROOT, "bin", "taskmasterctl")
        stop = subprocess.run([ctl, "--socket", os.path.join(peer.rundir, "tm.sock"), "stop", "all"], capture_output=True,
                              text=True, timeout=timeout, env=dict(os.environ, BENCH_RUN=rundir))
        if stop.returncode != 0:
            return f"n/a (stop all failed: {stop.stderr.strip()[-120:]})"
        before = count_starts(stamps)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        ok = wait_for(lambda: count_starts(stamps) >= before + count, timeout, peer)
        proc.stdin.close()
        out = proc.stdout.readline().split()
        proc.wait(timeout=30)
        if not ok:
            return f"n/a (timeout: {count_starts(stamps) - before}/{count} started)"
        if not out or out[0] != "RESULT":
            return "n/a (client: " + " ".join(out) + ")"
        return float(out[1]), float(out[2]), float(out[3]), int(out[4])
    finally:
        if proc.poll() is None:
            procutil.kill_pids([proc.pid])  # the client only: the daemon is the caller's to kill
            proc.wait()


def list_p99_supervisord(peer, stamps, count, timeout):
    """supervisord's equivalent: stopAllProcesses(wait), then startAllProcesses(wait=False) on one
    connection while getAllProcessInfo is timed on another, 5 ms apart, until `count` more starts
    are stamped. (p50, p99, max, n) or a reason string."""
    try:
        peer.rpc(timeout=timeout).supervisor.stopAllProcesses(True)
    except (OSError, xmlrpc.client.Error, http.client.HTTPException) as e:
        return f"n/a (stopAllProcesses: {e})"
    before = count_starts(stamps)
    err = []

    def start():
        try:
            peer.rpc(timeout=timeout).supervisor.startAllProcesses(False)
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as e:
            err.append(e)

    rpc = peer.rpc(timeout=60)
    for _ in range(5):
        rpc.supervisor.getAllProcessInfo()  # the connection's and the parser's first use, not timed
    t = threading.Thread(target=start, daemon=True)
    t.start()
    ms = []
    deadline = time.monotonic() + timeout
    while count_starts(stamps) < before + count and time.monotonic() < deadline and not peer.exited():
        t0 = time.monotonic()
        try:
            rpc.supervisor.getAllProcessInfo()
            ms.append((time.monotonic() - t0) * 1000)
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            ms.append(10_000.0)
        time.sleep(0.005)
    t.join(timeout=timeout)
    if err:
        return f"n/a (startAllProcesses: {err[0]})"
    if count_starts(stamps) < before + count:
        return f"n/a (timeout: {count_starts(stamps) - before}/{count} started)"
    if not ms:
        return "n/a (no call during the start)"
    ms.sort()
    return median(ms), percentile(ms, 99), ms[-1], len(ms)
