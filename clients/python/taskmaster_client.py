#!/usr/bin/python3
"""A small Taskmaster client in Python, on code generated from the .proto (see generate.sh).

    PYTHONPATH=gen ./taskmaster_client.py status
    PYTHONPATH=gen ./taskmaster_client.py events            # follows; resumes after a reconnect
    PYTHONPATH=gen ./taskmaster_client.py tail web -n 20
    PYTHONPATH=gen ./taskmaster_client.py attach shell 'hello'
    PYTHONPATH=gen ./taskmaster_client.py roles

Talks to the local daemon over its Unix socket (--socket, else where taskmasterd puts it), or
to a TCP listener with TLS: --server HOST:PORT [--ca FILE] [--token-file FILE] [--cert FILE --key FILE].
Exit codes: 0 done, 1 the daemon answered with an error or could not be reached, 2 bad usage,
3 a socket that is not ours or root's.
"""

import argparse
import os
import signal
import stat
import sys
import time

import grpc

from taskmaster.v1 import auth_pb2, output_pb2, process_pb2
from taskmaster.v1 import taskmaster_pb2 as pb
from taskmaster.v1 import taskmaster_pb2_grpc as pb_grpc

PROG = "taskmaster_client.py"
CALL_TIMEOUT = 10  # seconds, for every unary call


def default_socket(instance="default"):
    """Where taskmasterd puts its socket: $XDG_RUNTIME_DIR/taskmaster/, else /tmp/taskmaster-UID/."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    base = os.path.join(runtime, "taskmaster") if runtime else f"/tmp/taskmaster-{os.getuid()}"
    return os.path.join(base, f"{instance}.sock")


class Refused(Exception):
    """A socket someone else could be listening on."""


def check_socket(path):
    """Refuses a socket (or a directory above it) that another user owns or could replace.

    Whoever owns the socket answers our calls, and whoever may write a directory above it may
    swap the socket: both must be us or root. Returns the path to dial: the one checked, with
    its links resolved, so no link can be repointed between this check and a (re)connection.
    A missing socket is left to the dial to report.
    """
    me = os.getuid()
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None:
        if not stat.S_ISSOCK(st.st_mode):
            raise Refused(f"{path} is not a socket")
        if st.st_uid not in (me, 0):
            raise Refused(f"{path} is owned by uid {st.st_uid}, not by you ({me}) or root")
    d = os.path.dirname(real)
    while True:
        try:
            st = os.stat(d)
        except FileNotFoundError:
            st = None  # not there yet: whoever makes it must own the one above, checked next
        if st is not None:
            if st.st_uid not in (me, 0):
                raise Refused(f"its directory {d} is owned by uid {st.st_uid}, not by you ({me}) or root")
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX:
                raise Refused(f"its directory {d} is writable by others (mode {stat.S_IMODE(st.st_mode):04o})"
                              " without the sticky bit")
        if d == "/":
            return real
        d = os.path.dirname(d)


def read_secret(option, path):
    """A token or key file; refused when others may read it, as taskmasterctl does."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise Refused(f"{option} {path}: it is open to others (mode {mode:04o}); a secret must be readable by you only")
    with open(path, "rb") as f:
        return f.read()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def connect(args):
    # Reconnect quickly after a break, so a resumed stream (events) loses little time; the
    # defaults back off up to two minutes.
    options = [("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 1000)]
    if args.server:
        # TLS, trusting --ca (else the system's CAs); a client certificate for mutual TLS; the
        # token as "authorization: Bearer TOKEN" on every call (gRPC sends it over TLS only).
        creds = grpc.ssl_channel_credentials(
            root_certificates=read(args.ca) if args.ca else None,
            private_key=read_secret("--key", args.key) if args.key else None,
            certificate_chain=read(args.cert) if args.cert else None)
        if args.token_file:
            token = read_secret("--token-file", args.token_file).decode().strip()
            creds = grpc.composite_channel_credentials(creds, grpc.access_token_call_credentials(token))
        channel = grpc.secure_channel(args.server, creds, options=options)
    else:
        try:
            real = check_socket(args.socket)
        except Refused as e:
            raise Refused(f"{args.socket}: {e}") from None
        # "unix:///abs/path" is gRPC's Unix socket target.
        channel = grpc.insecure_channel(f"unix://{real}", options=options)
    return channel, pb_grpc.TaskmasterServiceStub(channel)


def state_name(state):
    return process_pb2.ProcessState.Name(state).removeprefix("PROCESS_STATE_")


def hms(duration):
    s = duration.seconds
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def exit_reason(p):
    """How the last process of this instance ended, in a few words; "-" if none ended yet."""
    if not p.HasField("last_exit"):
        return "-"
    e = p.last_exit
    kind = e.WhichOneof("outcome")
    if kind == "exited":
        text = f"exit {e.exited.code}"
    elif kind == "killed":
        text = f"signal {e.killed.signal_name or e.killed.signal_number}"
        if e.killed.core_dumped:
            text += ", core dumped"
    elif kind == "spawn_failed":
        return f"spawn failed: {e.spawn_failed.reason}"
    else:
        return "exit status unknown"
    return text + (" (expected)" if e.expected else " (unexpected)")


def cmd_status(stub, args):
    reply = stub.ListProcesses(pb.ListProcessesRequest(), timeout=CALL_TIMEOUT)
    rows = [("NAME", "STATE", "PID", "UPTIME", "EXIT")]
    for p in reply.processes:
        rows.append((p.full_name, state_name(p.state), str(p.pid) if p.pid else "-",
                     hms(p.uptime) if p.HasField("uptime") else "-", exit_reason(p)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[4])
    return 0


def describe(event):
    """One line for a journal event."""
    kind = event.WhichOneof("payload")
    if kind == "process_state_changed":
        c = event.process_state_changed
        return (f"{c.process.full_name} {state_name(c.from_state)} -> {state_name(c.to_state)}"
                f" ({c.reason})")
    if kind == "daemon_shutting_down":
        return f"daemon shutting down: {event.daemon_shutting_down.reason}"
    return kind.replace("_", " ")


def cmd_events(stub, args):
    """Follows the journal; after a broken stream, resumes from the last sequence seen + 1.

    The contract: WatchEvents with from_sequence N replays every kept event with sequence >= N,
    so passing last + 1 gives each event exactly once. Sequences belong to one journal_id (one
    daemon run); sending it back lets the daemon say so (EventsMissed) after it restarted.
    """
    last, journal, shutting_down = 0, "", False
    while True:
        request = pb.WatchEventsRequest(from_sequence=last + 1 if last else 0, journal_id=journal)
        try:
            # wait_for_ready: a call made while the socket is away waits for it to come back.
            for msg in stub.WatchEvents(request, wait_for_ready=True):
                kind = msg.WhichOneof("kind")
                if kind == "snapshot":
                    journal, last = msg.snapshot.journal_id, msg.snapshot.sequence
                    print(f"snapshot at #{last}: {len(msg.snapshot.processes)} processes", flush=True)
                elif kind == "event":
                    last = msg.event.sequence
                    shutting_down |= msg.event.HasField("daemon_shutting_down")
                    print(f"#{last} {describe(msg.event)}", flush=True)
                elif kind == "events_missed":
                    m = msg.events_missed
                    reason = pb.EventsMissedReason.Name(m.reason).removeprefix("EVENTS_MISSED_REASON_")
                    print(f"missed events from #{m.requested_sequence} ({reason}); a snapshot follows", flush=True)
                elif kind == "heartbeat":
                    last = max(last, msg.heartbeat.latest_sequence)
            return 0
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            if shutting_down:
                return 0  # the daemon said it was going: the stream's end is the expected one
            print(f"{PROG}: stream broken ({e.details()}); resuming from #{last + 1}", file=sys.stderr, flush=True)
            time.sleep(0.2)


def cmd_tail(stub, args):
    """Prints the last N lines, reading backwards in 64 KiB steps until it has them."""
    step = 64 * 1024
    reply = stub.TailOutput(pb.TailOutputRequest(name=args.name, max_bytes=step), timeout=CALL_TIMEOUT)
    data, start = reply.data, reply.offset
    while data.count(b"\n") <= args.lines and start > 0:
        offset = max(0, start - step)
        more = stub.TailOutput(pb.TailOutputRequest(name=args.name, offset=offset, max_bytes=start - offset),
                               timeout=CALL_TIMEOUT)
        if more.offset >= start or not more.data:
            break  # older output is no longer held
        data, start = more.data[:start - more.offset] + data, more.offset
    lines = data.decode("utf-8", "replace").splitlines()
    for line in lines[-args.lines:] if args.lines else []:
        print(line)
    return 0


def cmd_attach(stub, args):
    """Sends one line to the process and prints the first line it answers.

    On a tty program the terminal echoes what is typed: a line equal to the one sent is that
    echo, not the answer.
    """
    call = stub.AttachOutput(pb.AttachOutputRequest(
        name=args.name, input_mode=output_pb2.INPUT_MODE_EXCLUSIVE), timeout=args.timeout)
    pending = b""
    try:
        for msg in call:
            kind = msg.WhichOneof("kind")
            if kind == "started":
                started = msg.started
                if not started.input_lease.granted:
                    print(f"{PROG}: cannot type into {args.name}: input held by {started.input_lease.holder}",
                          file=sys.stderr)
                    return 1
                stub.SendInput(pb.SendInputRequest(name=args.name, session_id=started.session_id,
                                                   data=(args.line + "\n").encode()), timeout=CALL_TIMEOUT)
            elif kind == "chunk":
                pending += msg.chunk.data
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    if line != args.line:
                        print(line)
                        return 0
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            print(f"{PROG}: no answer from {args.name} within {args.timeout}s", file=sys.stderr)
            return 1
        raise
    finally:
        call.cancel()  # detach
    print(f"{PROG}: the attach stream of {args.name} ended without an answer", file=sys.stderr)
    return 1


def cmd_roles(stub, args):
    """Prints the role each RPC needs, read from the required_role option of the descriptor."""
    service = pb.DESCRIPTOR.services_by_name["TaskmasterService"]
    for method in service.methods:
        role = method.GetOptions().Extensions[auth_pb2.required_role]
        print(f"{method.name} {auth_pb2.Role.Name(role).removeprefix('ROLE_').lower()}")
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog=PROG, description="A small Taskmaster client.")
    parser.add_argument("--socket", default=default_socket(), help="the daemon's Unix socket")
    parser.add_argument("--server", help="HOST:PORT of a TCP listener (TLS) instead of the socket")
    parser.add_argument("--ca", help="with --server: the CA certificate (PEM) to trust")
    parser.add_argument("--token-file", help="with --server: a file holding a bearer token")
    parser.add_argument("--cert", help="with --server: a client certificate (PEM), for mutual TLS")
    parser.add_argument("--key", help="with --server: the client certificate's key (PEM)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="a table of every process")
    sub.add_parser("events", help="follow the event journal, resuming after a reconnect")
    tail = sub.add_parser("tail", help="the last lines of a process's output")
    tail.add_argument("name")
    tail.add_argument("-n", "--lines", type=int, default=10)
    attach = sub.add_parser("attach", help="send a line to a process and print its answer")
    attach.add_argument("name")
    attach.add_argument("line")
    attach.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the answer")
    sub.add_parser("roles", help="the role each RPC needs")
    args = parser.parse_args(argv)
    if args.command == "tail" and args.lines < 0:
        parser.error(f"--lines must be >= 0, got {args.lines}")
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    if not args.server and (args.ca or args.token_file or args.cert):
        parser.error("--ca, --token-file, --cert and --key go with --server")
    if args.command == "roles":
        return cmd_roles(None, args)
    try:
        channel, stub = connect(args)
    except Refused as e:
        print(f"{PROG}: refusing {e}", file=sys.stderr)
        return 3
    except OSError as e:
        print(f"{PROG}: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    with channel:
        try:
            return globals()["cmd_" + args.command](stub, args)
        except grpc.RpcError as e:
            print(f"{PROG}: {e.code().name}: {e.details()}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends `events` at once, without a traceback
    sys.exit(main(sys.argv[1:]))
