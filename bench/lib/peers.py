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
import json
import time
import xmlrpc.client
from collections import namedtuple

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
    #   once:    runs to the end and exits 0; never started again (output benchmarks)
    "once": dict(sd=dict(autorestart="false", startsecs="0", startretries="0", stoptime="10"),
                 tm=dict(autorestart="never", starttime="0", startretries="0", stoptime="10s")),
}

# One program of a configuration.  stdout: the file its standard output is logged to (the
# peer's default place when None); tty: run it on a pseudo-terminal (Taskmaster only).
Program = namedtuple("Program", "name cmd policy numprocs stdout tty", defaults=(1, None, False))


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
        """programs: list of Program, or tuples (name, command line, policy[, numprocs]).
        Returns the daemon's pid."""
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

    @staticmethod
    def checked_pid(pid, program, what):
        """pid, once /proc says it runs `program` (its exe's name starts so): RSS and CPU are read from it."""
        e = procutil.exe(pid) or ""
        if not os.path.basename(e).startswith(program):
            raise RuntimeError(f"pid {pid} is {e!r}, not {what}")
        return pid

    def status_argv(self):
        """The peer's own CLI asking for the status of every process (what a user types)."""
        raise NotImplementedError


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
        for p in (Program(*p) for p in programs):
            extra = ""
            if p.stdout:
                # maxbytes=0: no rotation, as in the Taskmaster build measured (see bench/README.md).
                extra = f"stdout_logfile={p.stdout}\nstdout_logfile_maxbytes=0\n"
            text += prog.substitute(name=p.name, cmd=p.cmd, numprocs=p.numprocs, extra=extra,
                                    process_name="%(program_name)s_%(process_num)03d" if p.numprocs > 1
                                    else "%(program_name)s",
                                    **POLICIES[p.policy]["sd"])
        return text

    def status_argv(self):
        sdctl = "/usr/bin/supervisorctl" if os.path.exists("/usr/bin/supervisorctl") else "supervisorctl"
        return [sdctl, "-c", os.path.join(self.rundir, f"{self.key}-{self.tag}.{self.config_ext}"), "status"]

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
        self.jar = None if os.environ.get("BENCH_TASKMASTERD") else os.path.join(ROOT, "app", "target", "taskmasterd.jar")
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
        for p in (Program(*p) for p in programs):
            # logfile_maxbytes 0: no rotation, as supervisord's stdout_logfile_maxbytes=0 above, so the
            # harness finds every byte in the one file.
            extra = (f"    stdout: {p.stdout}\n    logfile_maxbytes: 0\n" if p.stdout else "") + ("    tty: true\n" if p.tty else "")
            if p.policy == "respawn":
                # As supervisord's autorestart=true with startsecs=0: restarted at once however often it
                # exits; the crash-loop slowing (backoff.reset_after) would measure its delays instead.
                extra += "    backoff: {reset_after: 0s}\n"
            text += prog.substitute(name=p.name, cmd=p.cmd, numprocs=p.numprocs, extra=extra,
                                    **POLICIES[p.policy]["tm"])
        return text

    def status_argv(self):
        ctl = os.path.join(os.path.dirname(self.binary), "taskmasterctl")
        return [ctl, "--socket", os.path.join(self.rundir, "tm.sock"), "status"]

    def measured_pid(self):
        # bin/taskmasterd and bin/lib/launch exec java, so the launcher's pid becomes the JVM's.
        return self.checked_pid(self.pid, "java", "the JVM")


class Pm2(Peer):
    """PM2 in its usual daemon mode: `pm2 start ECOSYSTEM.json` starts the God daemon, which
    detaches (it is re-parented to the harness, a subreaper) and runs the apps; the pm2 CLI
    exits.  Each start gets its own PM2_HOME inside the run directory, so the God daemon's
    command line ("PM2 v7.0.4: God Daemon (<PM2_HOME>)") carries the run marker.

    Never run a pm2 command without PM2_HOME set: any of them, even `pm2 --version`, starts a
    God daemon in ~/.pm2 when none is running."""
    name = "pm2"
    key = "pm2"
    config_ext = "json"

    def __init__(self, rundir):
        super().__init__(rundir)
        # bench/run installs PM2 with npm into a cache directory and exports BENCH_PM2.
        self.binary = os.environ.get("BENCH_PM2") or ""
        self.god = None
        self.home = None

    def available(self):
        if not self.binary or not os.access(self.binary, os.X_OK):
            return False, "pm2 not installed (bench/run installs it with npm; is npm missing?)"
        # The version comes from package.json: running pm2 to ask would start a daemon.
        pkg = os.path.join(os.path.dirname(os.path.realpath(self.binary)), "..", "package.json")
        try:
            with open(pkg) as f:
                return True, json.load(f)["version"]
        except (OSError, ValueError, KeyError):
            return True, "(version unknown)"

    def config_text(self, programs):
        apps = []
        for p in (Program(*p) for p in programs):
            exe, *args = p.cmd.split()   # the benchmarks' commands have no quoting
            app = dict(name=p.name, script=exe, args=args, interpreter="none", exec_mode="fork",
                       autorestart=p.policy != "once", instances=p.numprocs, merge_logs=True,
                       error_file=os.path.join(self.rundir, f"pm2-{self.tag}-{p.name}.err.log"))
            if p.stdout:
                app["out_file"] = p.stdout
            apps.append(app)
        return json.dumps({"apps": apps}, indent=2) + "\n"

    def env(self):
        return dict(os.environ, BENCH_RUN=self.rundir, PM2_HOME=self.home)

    def start(self, tag, programs):
        self.tag = tag
        self.home = os.path.join(self.rundir, f"pm2-{tag}")
        config = os.path.join(self.rundir, f"pm2-{tag}.json")
        with open(config, "w") as f:
            f.write(self.config_text(programs))
        self.out_path = os.path.join(self.rundir, f"pm2-{tag}.out")
        self.t_start_ns = time.time_ns()
        with open(self.out_path, "wb") as out:
            try:
                subprocess.run([self.binary, "start", config], stdin=subprocess.DEVNULL, stdout=out,
                               stderr=subprocess.STDOUT, env=self.env(), cwd=self.rundir,
                               start_new_session=True, timeout=60)
            except subprocess.TimeoutExpired:
                pass   # the pid file decides; kill() cleans up whatever is left
        self.god = None
        try:
            with open(os.path.join(self.home, "pm2.pid")) as f:
                self.god = int(f.read().strip())
        except (OSError, ValueError):
            pass
        return self.god

    @property
    def pid(self):
        return self.god

    def exited(self):
        return self.god is None or not procutil.alive(self.god)

    def kill(self):
        """`pm2 kill` (stops the apps, then the God daemon), then SIGKILL by pid whatever is left."""
        if self.home and not self.exited():
            try:
                subprocess.run([self.binary, "kill"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=self.env(), cwd=self.rundir,
                               start_new_session=True, timeout=30)
            except subprocess.TimeoutExpired:
                pass
        left = procutil.kill_marked(self.rundir, daemons=[self.god] if not self.exited() else [], reap=True)
        self.god = None
        return left

    def measured_pid(self):
        return self.checked_pid(self.god, "node", "PM2's node God daemon")


PEERS = {"supervisord": Supervisord, "taskmaster": Taskmaster, "pm2": Pm2}
