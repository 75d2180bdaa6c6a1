#!/usr/bin/env python3
"""supervisord event listener of the event-latency benchmark (issue 17, §4): subscribed to
PROCESS_STATE_EXITED and PROCESS_STATE_RUNNING, it appends `<STATE> <CLOCK_REALTIME ns> <pid> <name>`
to FILE (one write(2) on an O_APPEND descriptor per line) the moment it reads each event, then
acknowledges it. The harness kills the process and reads the file: kill → EXITED, kill →
RUNNING as an event listener, supervisord's way to be told, sees them.

Usage (an [eventlistener:x] command): sd_listener.py FILE. Standard library only.
"""
import os
import sys
import time


def main():
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        stdout.write(b"READY\n")
        stdout.flush()
        header = stdin.readline()
        if not header:
            return
        t = time.time_ns()
        fields = dict(kv.split(b":", 1) for kv in header.split())
        payload = stdin.read(int(fields[b"len"]))
        # The payload's first line: "processname:x groupname:x from_state:X [expected:N] pid:N"
        pay = dict(kv.split(b":", 1) for kv in payload.split(b"\n", 1)[0].split() if b":" in kv)
        state = fields[b"eventname"].decode().removeprefix("PROCESS_STATE_")
        os.write(fd, f"{state} {t} {pay.get(b'pid', b'0').decode()} {pay.get(b'processname', b'?').decode()}\n".encode())
        stdout.write(b"RESULT 2\nOK")
        stdout.flush()


if __name__ == "__main__":
    main()
