"""Kills, by pid, every process a benchmark run started: those whose command line holds the
run directory (BENCH_DIR) or whose environment holds BENCH_RUN=<run directory>.  Called from
bench/run's EXIT trap, so it also covers a harness that died half-way.  A PM2 God daemon still
alive is first asked to stop with `pm2 kill` (its PM2_HOME is BENCH_DIR/pm2-<tag>)."""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402

rundir = os.environ.get("BENCH_DIR")
if not rundir or len(rundir) < 8:   # never match on an empty or trivial marker
    sys.exit(0)
pm2 = os.environ.get("BENCH_PM2")
for pidfile in glob.glob(os.path.join(rundir, "pm2-*", "pm2.pid")) if pm2 else []:
    try:
        with open(pidfile) as f:
            god = int(f.read().strip())
    except (OSError, ValueError):
        continue
    # Only a live daemon: pm2 kill without one would start one to ask it to stop.
    if procutil.alive(god) and god in procutil.marked(rundir):
        env = dict(os.environ, PM2_HOME=os.path.dirname(pidfile), BENCH_RUN=rundir)
        try:
            subprocess.run([pm2, "kill"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass   # the kill by pid below does it
left = procutil.kill_marked(rundir, timeout=15)
if left:
    print(f"bench: could not kill {left}", file=sys.stderr)
    sys.exit(1)
