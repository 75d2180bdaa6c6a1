"""bench/reexec: re-exec of a daemon supervising 1,000 programs (see bench/reexec)."""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.environ["BENCH_DIR"]


def env():
    e = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(RUN, "run"), XDG_STATE_HOME=os.path.join(RUN, "state"),
             BENCH_RUN=RUN, NO_COLOR="1")
    return e


def ctl(*args, timeout=600):
    p = subprocess.run([os.path.join(ROOT, "bin/taskmasterctl"), *args], env=env(), capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def wait_for(what, limit, check):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (SystemExit, ValueError, KeyError):
            pass   # not answering yet (starting, or re-executing)
        time.sleep(0.05)
    raise SystemExit(f"reexec: timed out after {limit} s waiting for {what}")


def processes():
    code, out, err = ctl("status", "--json")
    if not out.strip():
        raise SystemExit(f"reexec: status failed ({code}): {err.strip()}")
    return json.loads(out)["processes"]


def pids():
    return {r["fullName"]: (r.get("pid", 0), r.get("restartCount", 0), r.get("state", "")) for r in processes()}


def line_bytes(n):
    return len(f"seq {n} ") + 8 + n % 41 + 1


def check_log(path, count):
    """(lines written, lines found once, bytes lost, problems) for one printer's log file: it wrote
    lines 0..N-1, N being one more than the highest found (a printer is stopped between lines)."""
    seen = bytearray(count)
    problems = 0
    try:
        with open(path, "rb") as f:
            for raw in f:
                m = re.fullmatch(rb"seq (\d+) ([a-z]+)\n", raw)
                if not m:
                    problems += 1
                    continue
                n = int(m.group(1))
                if n >= count or len(m.group(2)) != 8 + n % 41 or m.group(2) != bytes([97 + n % 26]) * (8 + n % 41):
                    problems += 1
                    continue
                if seen[n]:
                    problems += 1   # a duplicate
                seen[n] = 1
    except FileNotFoundError:
        pass
    written = max((n for n in range(count) if seen[n]), default=-1) + 1
    lost = sum(line_bytes(n) for n in range(written) if not seen[n])
    return written, sum(seen), lost, problems


def main():
    ap = argparse.ArgumentParser(prog="bench/reexec", description=__doc__)
    ap.add_argument("--programs", type=int, default=1000, help="processes in all, half of them printing (default 1000)")
    ap.add_argument("--rounds", type=int, default=3, help="re-execs (default 3)")
    ap.add_argument("--rate", type=int, default=100, help="lines a second per printing process (default 100, the least: a line every 10 ms)")
    ap.add_argument("--no-results", action="store_true", help="do not append to bench/results/<date>.md")
    a = ap.parse_args()
    printers = a.programs // 2
    quiet = a.programs - printers
    count = a.rate * 3600   # more than the run lasts: the printers are stopped at the end
    os.makedirs(os.path.join(RUN, "logs"), exist_ok=True)
    config = os.path.join(RUN, "reexec.yaml")
    with open(config, "w") as f:
        f.write(f"""server:
  logdir: {RUN}/logs
programs:
  printer:
    cmd: "{RUN}/seqlines {count} {a.rate} {RUN}/stamps"
    numprocs: {printers}
    process_name: "printer-%(process_num)d"
    autorestart: false
    starttime: 0
    logfile_maxbytes: 0
    output_buffer: 64KB    # 500 rings of the default 1MB do not fit the daemon's 256 MB heap
  quiet:
    cmd: "sleep 100000"
    numprocs: {quiet}
    process_name: "quiet-%(process_num)d"
    starttime: 0
""")
    daemon = subprocess.Popen([os.path.join(ROOT, "bin/taskmasterd"), "--allow-root", "--no-stderr-log", "-c", config],
                              env=env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(RUN, "daemon.err"), "w"))
    try:
        wait_for("every process RUNNING", 900, lambda: sum(1 for p in pids().values() if p[2] == "RUNNING") == a.programs)
        before = pids()
        answer, running = [], []
        for r in range(a.rounds):
            time.sleep(3)  # output flows between re-execs
            t0 = time.monotonic()
            code, out, err = ctl("daemon", "reexec", "--wait", "120s")
            if code != 0:
                raise SystemExit(f"reexec: daemon reexec failed ({code}): {err.strip()}")
            m = re.search(r"re-executed in (\d+) ms", out)
            answer.append(int(m.group(1)))
            wait_for("every process back", 300, lambda: sum(1 for p in pids().values() if p[2] == "RUNNING") == a.programs)
            running.append(int((time.monotonic() - t0) * 1000))
            print(f"re-exec {r + 1}: answered after {answer[-1]} ms, every process back after {running[-1]} ms", flush=True)
        after = pids()
        changed = [n for n, p in before.items() if after.get(n, (0,))[0] != p[0]]
        restarted = [n for n, p in after.items() if p[1] != 0]
        assert daemon.poll() is None, "the daemon's process ended"
        # The printers stop (between two lines); what they wrote last is drained into the logs;
        # then every line each one wrote must be in its log exactly once.
        code, out, err = ctl("stop", "printer:*", timeout=300)
        if code != 0:
            raise SystemExit(f"reexec: stop printer:* failed ({code}): {err.strip()}")
        written = found = lost = problems = 0
        logs = [r["stdoutLogPath"] for r in processes() if r["fullName"].startswith("printer")]
        assert len(logs) == printers, f"{len(logs)} printers, not {printers}"
        for path in logs:
            w, f, l, pr = check_log(path, count)
            written, found, lost, problems = written + w, found + f, lost + l, problems + pr
    finally:
        ctl("shutdown")
        try:
            daemon.wait(timeout=120)
        except subprocess.TimeoutExpired:
            daemon.kill()
    ok = lost == 0 and problems == 0 and not changed and not restarted
    table = [
        "| re-exec, 1 daemon | value |",
        "| --- | --- |",
        f"| processes (printing) | {a.programs} ({printers}, {a.rate} lines/s each) |",
        f"| re-execs | {a.rounds} |",
        f"| time until the new daemon answers (min / median / max) | {min(answer)} / {statistics.median(answer):.0f} / {max(answer)} ms |",
        f"| time until every process is RUNNING again (min / median / max) | {min(running)} / {statistics.median(running):.0f} / {max(running)} ms |",
        f"| output lines written / found once | {written} / {found} |",
        f"| output bytes lost | {lost} |",
        f"| torn or doubled lines | {problems} |",
        f"| pids changed / processes restarted | {len(changed)} / {len(restarted)} |",
        f"| verdict | {'ok' if ok else 'FAILED'} |",
    ]
    print("\n".join(table))
    if not a.no_results:
        os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
        with open(os.path.join(ROOT, "bench/results", datetime.date.today().isoformat() + ".md"), "a") as f:
            f.write(f"\n## bench/reexec ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC)\n\n" + "\n".join(table) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
