"""bench/chaos: faults against the real taskmasterd, each scenario bounded in time, a summary
table.  Run through bench/chaos, which prepares BENCH_DIR, compiles the programs into it and
cleans up afterwards (processes by pid, tmpfs mounts).

    chaos.py [SCENARIO...] [--quick] [options]

Goal for every scenario (issue 11): nothing lost without an exact count, no crash, no process
left unsupervised, the API answering within 50 ms p99 throughout.
"""
import argparse
import datetime
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procutil  # noqa: E402
import report  # noqa: E402
from chaoskit import ChaosError, Outcome, Run, log, API_GOAL_MS  # noqa: E402
from chaos_scenarios import KillStorm, ReloadStorm, LowFdLimit, FifoInclude, DeviceInclude  # noqa: E402
from chaos_output import FullDisk, StalledViewers  # noqa: E402
from peers import ROOT, BENCH  # noqa: E402

SCENARIOS = {s.name: s for s in (KillStorm, ReloadStorm, FullDisk, LowFdLimit, FifoInclude, DeviceInclude, StalledViewers)}


def table(outcomes):
    lines = ["| scenario | what was done | lost without a count | crashes | processes left unsupervised | "
             "API p99 / max | verdict |", "|---|---|---|---|---|---|---|"]
    cell = lambda text: str(text).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    for o in outcomes:
        lost = f"{o.lost:,}" if isinstance(o.lost, int) else str(o.lost)
        lines.append("| " + " | ".join(cell(c) for c in (o.name, o.done, lost, o.crashes, o.unsupervised, o.api, o.verdict))
                     + " |")
    out = "\n".join(lines) + "\n"
    for o in outcomes:
        for f in o.failures[3:]:
            out += f"\nFailure ({o.name}): {f}\n"
        for note in o.notes:
            out += f"\nNote ({o.name}): {note}\n"
    return out


def header(run, started, load_start, argv):
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    rev = cmd("git", "-C", ROOT, "rev-parse", "--short", "HEAD")
    dirty = " (dirty)" if cmd("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no") else ""
    load_end = os.getloadavg()
    launcher = os.environ.get("BENCH_TASKMASTERD")
    return (f"\n## {started.strftime('%Y-%m-%d %H:%M:%S UTC')} — `{' '.join(['bench/chaos', *argv])}`\n\n"
            f"Host: {os.cpu_count()} CPUs, Linux {platform.release()}, load average {load_start[0]:.2f} at the start, "
            f"{load_end[0]:.2f} at the end; commit {rev}{dirty}; {run.version}"
            f"{f' (launcher {launcher})' if launcher else ''}; "
            f"{'root' if os.geteuid() == 0 else 'not root'}. Goal: nothing lost without an exact count, no crash, "
            f"no process left unsupervised, API (ListProcesses every 10 ms) p99 ≤ {API_GOAL_MS:g} ms.\n\n")


def main():
    ap = argparse.ArgumentParser(prog="bench/chaos", description="Faults against the real taskmasterd (issue 11): "
                                 "a summary table, appended to bench/results/<date>.md.")
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help=f"any of {', '.join(SCENARIOS)} (default: all, in that order)")
    ap.add_argument("--quick", action="store_true", help="shorter storms and fewer runs: the whole suite in ~2-3 minutes")
    ap.add_argument("--no-results", action="store_true", help="do not append to bench/results/<date>.md")
    k = ap.add_argument_group("kill-storm")
    k.add_argument("--kill-programs", type=int, default=10, help="programs killed in turn (10)")
    k.add_argument("--kill-rate", type=float, default=50, help="SIGKILLs a second (50)")
    k.add_argument("--kill-seconds", type=float, help="length of the storm (30; --quick 8)")
    r = ap.add_argument_group("reload-storm")
    r.add_argument("--sighups", type=int, help="SIGHUPs sent (200; --quick 50)")
    r.add_argument("--reload-rate", type=float, default=20, help="SIGHUPs a second (20)")
    r.add_argument("--reload-programs", type=int, default=18, help="programs that never change (18; +2 that do)")
    f = ap.add_argument_group("full-disk")
    f.add_argument("--fill-seconds", type=float, help="how long the disk stays full (10; --quick 5)")
    f.add_argument("--tmpfs-mb", type=int, default=8, help="size of the tmpfs under the logs (8)")
    f.add_argument("--disk-rate", type=int, default=2000, help="lines a second each writer prints (2000)")
    f.add_argument("--without-on-log-full", action="store_true",
                   help="leave on_log_full out of the configuration (a build without it: shows what the daemon does by default)")
    lf = ap.add_argument_group("low-fd")
    lf.add_argument("--fd-runs", type=int, help="daemon runs (5; --quick 2)")
    lf.add_argument("--fd-programs", type=int, default=200, help="programs configured (200)")
    lf.add_argument("--fd-limit", type=int, default=256, help="soft and hard RLIMIT_NOFILE of the daemon (256)")
    lf.add_argument("--fd-hold", type=float, default=3, help="seconds of Status calls once every program is RUNNING or FATAL (3)")
    v = ap.add_argument_group("stalled-viewers")
    v.add_argument("--viewers", type=int, default=20, help="stalled AttachOutput viewers (20)")
    v.add_argument("--viewer-mb", type=int, help="MiB each writer prints (256; --quick 64)")
    v.add_argument("--viewer-rounds", type=int, help="pairs of runs without / with the viewers (2; --quick 1)")
    args = ap.parse_args()
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    rundir = os.environ.get("BENCH_DIR")
    if not rundir or not os.path.isdir(rundir):
        ap.error("run through bench/chaos (BENCH_DIR is not set)")
    procutil.become_subreaper()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    if load_start[0] > 1.0:
        log(f"the load average is {load_start[0]:.2f}: other work on this host will show in the API latencies")
    run = Run(args, rundir)
    outcomes = []
    try:
        run.setup()
        for name in args.scenarios or SCENARIOS:
            outcomes.append(SCENARIOS[name](run).execute())
    except ChaosError as e:
        log(str(e))
        o = Outcome("set-up")
        o.fail(str(e))
        outcomes.append(o)
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        run.stop_helpers()
        run.umount_all()
        procutil.kill_marked(rundir, reap=True)
    md = table(outcomes)
    head = header(run, started, load_start, sys.argv[1:])
    print(head + md, end="")
    if not args.no_results:
        path = report.append_results(BENCH, started, head + md + "\n")
        log(f"results appended to {os.path.relpath(path, ROOT)}")
    return 0 if all(not o.failures for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
