"""The supervisors under test: how to configure, start, query and kill each of them.

A Peer writes its configuration from bench/templates into the run's temporary directory,
starts the daemon in the foreground as our child (in a session of its own, so a Ctrl-C on the
terminal reaches only the harness, which then kills everything by pid) and knows the pid
whose RSS and CPU are measured: supervisord's python process, taskmasterd's JVM.
"""
import http.client
import os
import re
import signal
import socket
import string
import subprocess
import time
import xmlrpc.client

import procutil

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
TEMPLATES = os.path.join(BENCH, "templates")

# Program policies, written the same way for both peers.
#   respawn: exits at once and must be started again without delay
#   keep:    long-running (sleeps, or waits for SIGTERM); ordinary defaults
POLICIES = {
    "respawn": dict(sd=dict(autorestart="true", startsecs="0", startretries="1000000", stoptime="10"),
                    tm=dict(autorestart="always", starttime="0", startretries="-1", stoptime="10s")),
    "keep": dict(sd=dict(autorestart="unexpected", startsecs="1", startretries="3", stoptime="10"),
                 tm=dict(autorestart="unexpected", starttime="1s", startretries="3", stoptime="10s")),
}


def template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return string.Template(f.read())


class Peer:
    name = "?"
    key = "?"

    def __init__(self, rundir):
        self.rundir = rundir
        self.proc = None
        self.t_start_ns = None
        self.tag = None

    # -- lifecycle ---------------------------------------------------------------------------
    def argv(self, config):
        raise NotImplementedError

    def config_text(self, programs):
        raise NotImplementedError

    def extra_env(self):
        return {}

    def start(self, tag, programs):
        """programs: list of (name, command line, policy[, numprocs]).  Returns the daemon's pid."""
        self.tag = tag
        config = os.path.join(self.rundir, f"{self.key}-{tag}.{self.config_ext}")
        with open(config, "w") as f:
            f.write(self.config_text(programs))
        env = dict(os.environ, BENCH_RUN=self.rundir, **self.extra_env())
        self.out_path = os.path.join(self.rundir, f"{self.key}-{tag}.out")
        out = open(self.out_path, "wb")
        self.t_start_ns = time.time_ns()
        self.proc = subprocess.Popen(self.argv(config), stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, env=env, cwd=self.rundir,
                                     start_new_session=True)
        out.close()
        return self.proc.pid

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def exited(self):
        return self.proc is None or self.proc.poll() is not None

    def output_tail(self, n=3):
        try:
            with open(self.out_path, errors="replace") as f:
                lines = [l.strip() for l in f if l.strip()]
            return " | ".join(lines[-n:])
        except OSError:
            return ""

    def kill(self):
        """SIGKILL the daemon and everything this run started; reap."""
        left = procutil.kill_marked(self.rundir, daemons=[self.pid] if not self.exited() else [], reap=False)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        procutil.reap_children()
        self.proc = None
        return left

    def measured_pid(self):
        return self.pid


class Supervisord(Peer):
    name = "supervisord"
    key = "sd"
    config_ext = "conf"

    def __init__(self, rundir):
        super().__init__(rundir)
        self.binary = "/usr/bin/supervisord" if os.path.exists("/usr/bin/supervisord") else "supervisord"

    def available(self):
        try:
            v = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=20)
            return (True, v.stdout.strip()) if v.returncode == 0 else (False, "supervisord --version failed")
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, f"supervisord not runnable: {e}"

    def argv(self, config):
        return [self.binary, "-n", "-c", config]

    def config_text(self, programs):
        d = self.rundir
        os.makedirs(os.path.join(d, "sd-logs"), exist_ok=True)
        text = template("supervisord.conf").substitute(dir=d)
        prog = template("supervisord-program.conf")
        for name, cmd, policy, *n in programs:
            n = n[0] if n else 1
            text += prog.substitute(name=name, cmd=cmd, numprocs=n,
                                    process_name="%(program_name)s_%(process_num)03d" if n > 1 else "%(program_name)s",
                                    **POLICIES[policy]["sd"])
        return text

    # -- XML-RPC on the unix socket (what supervisorctl itself calls) --------------------------
    def rpc(self, timeout=60):
        path = os.path.join(self.rundir, "sd.sock")

        class Conn(http.client.HTTPConnection):
            def connect(self):
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(path)

        class Transport(xmlrpc.client.Transport):
            def make_connection(self, host):
                return Conn("localhost")

        return xmlrpc.client.ServerProxy("http://localhost", transport=Transport(), allow_none=True)

    def wait_all_running(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                infos = self.rpc(timeout=5).supervisor.getAllProcessInfo()
                if sum(1 for i in infos if i["statename"] == "RUNNING") >= count:
                    return True
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                pass
            time.sleep(0.1)
        return False


class Taskmaster(Peer):
    name = "taskmaster"
    key = "tm"
    config_ext = "yaml"

    def __init__(self, rundir):
        super().__init__(rundir)
        # BENCH_TASKMASTERD: another launcher (an installed build, a wrapper); default: this checkout's.
        self.binary = os.environ.get("BENCH_TASKMASTERD") or os.path.join(ROOT, "bin", "taskmasterd")
        self.jar = None if os.environ.get("BENCH_TASKMASTERD") else os.path.join(ROOT, "server", "target", "taskmasterd.jar")
        self.flags = None

    def available(self):
        if self.jar and not os.path.exists(self.jar):
            return False, f"not built ({os.path.relpath(self.jar, ROOT)} missing; bench/run --build)"
        try:
            h = subprocess.run([self.binary, "--help"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, f"taskmasterd --help failed: {e}"
        if h.returncode != 0:
            return False, f"taskmasterd --help exited {h.returncode}: {h.stderr.strip()[-200:]}"
        self.flags = []
        # --allow-root is asked for by the brief; pass it only once the daemon knows it, so that
        # an older build is not refused as a usage error.
        if os.geteuid() == 0 and "--allow-root" in h.stdout:
            self.flags.append("--allow-root")
        if "--no-stderr-log" in h.stdout:
            self.flags.append("--no-stderr-log")
        v = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=60)
        return True, (v.stdout.strip() or "taskmasterd")

    def argv(self, config):
        return [self.binary, *(self.flags or []), "-c", config, "--socket", os.path.join(self.rundir, "tm.sock")]

    def extra_env(self):
        # Nothing of the daemon's default state/runtime paths outside the run directory.
        d = self.rundir
        return dict(XDG_STATE_HOME=os.path.join(d, "xdg-state"), XDG_RUNTIME_DIR=os.path.join(d, "xdg-run"))

    def config_text(self, programs):
        d = self.rundir
        os.makedirs(os.path.join(d, "xdg-run"), mode=0o700, exist_ok=True)
        text = template("taskmaster.yaml").substitute(dir=d, instance="bench-" + re.sub(r"[^A-Za-z0-9_.-]", "-", os.path.basename(d)))
        prog = template("taskmaster-program.yaml")
        for name, cmd, policy, *n in programs:
            text += prog.substitute(name=name, cmd=cmd, numprocs=n[0] if n else 1, **POLICIES[policy]["tm"])
        return text

    def measured_pid(self):
        # bin/taskmasterd and bin/lib/launch exec java, so the launcher's pid becomes the JVM's.
        pid = self.pid
        e = procutil.exe(pid) or ""
        if not os.path.basename(e).startswith("java"):
            raise RuntimeError(f"pid {pid} is {e!r}, not the JVM")
        return pid


PEERS = {"supervisord": Supervisord, "taskmaster": Taskmaster}
