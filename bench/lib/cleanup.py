"""Kills, by pid, every process a benchmark run started: those whose command line holds the
run directory (BENCH_DIR) or whose environment holds BENCH_RUN=<run directory>.  Called from
bench/run's EXIT trap, so it also covers a harness that died half-way."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402

rundir = os.environ.get("BENCH_DIR")
if not rundir or len(rundir) < 8:   # never match on an empty or trivial marker
    sys.exit(0)
left = procutil.kill_marked(rundir, timeout=15)
if left:
    print(f"bench: could not kill {left}", file=sys.stderr)
    sys.exit(1)
