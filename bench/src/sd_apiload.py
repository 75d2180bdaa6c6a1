#!/usr/bin/env python3
"""supervisord's side of the API-under-load benchmark (issue 17, §4), the counterpart of
ApiLoad.java: CLIENTS XML-RPC clients on supervisord's unix socket, each its own persistent
HTTP connection and thread, calling in a loop for SECONDS, every call timed:

    list        supervisor.getAllProcessInfo()          (what `supervisorctl status` calls)
    startstop   supervisor.startProcess(name, False), then supervisor.stopProcess(name, False),
                client i on program NAMES[i % n], so several clients race on each program; a
                fault (ALREADY_STARTED, NOT_RUNNING...) is an answer: timed, and counted apart.

The clients are spread over a few worker processes (threads of one python process would wait
for each other's GIL, not for supervisord). Standard library only.

Usage: sd_apiload.py SOCKET list|startstop CLIENTS SECONDS [NAME...]. Prints READY once every
connection has answered 5 calls, waits for a line on stdin ("go"), then prints
RESULT p50_ms p99_ms max_ms calls failed refused, or NA reason.
"""
import http.client
import math
import multiprocessing
import os
import socket
import sys
import threading
import time
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    """Keeps one connection open across calls (xmlrpc.client's Transport caches it by host)."""
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, UnixConnection(self.path)
        return self._connection[1]


def client(path):
    return xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(path), allow_none=True)


def worker(path, mode, indices, names, ready, go, seconds, out):
    proxies = [client(path) for _ in indices]
    for p in proxies:
        for _ in range(5):
            p.supervisor.getAllProcessInfo()
    ready.release()
    go.wait()
    end = time.monotonic() + seconds
    results = []
    lock = threading.Lock()

    def run(proxy, name):
        ms, failed, refused, start = [], 0, 0, True
        while time.monotonic() < end:
            t0 = time.perf_counter_ns()
            try:
                if mode == "list":
                    proxy.supervisor.getAllProcessInfo()
                elif start:
                    proxy.supervisor.startProcess(name, False)
                else:
                    proxy.supervisor.stopProcess(name, False)
            except xmlrpc.client.Fault:
                refused += 1
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                failed += 1
                proxy = client(path)
            ms.append((time.perf_counter_ns() - t0) / 1e6)
            start = not start
        with lock:
            results.append((ms, failed, refused))

    threads = [threading.Thread(target=run, args=(p, names[i % len(names)] if names else None))
               for p, i in zip(proxies, indices)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(([x for r in results for x in r[0]], sum(r[1] for r in results), sum(r[2] for r in results)))


def main():
    path, mode, clients, seconds, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5:]
    if mode == "startstop" and not names:
        print("NA startstop needs programs", flush=True)
        return
    workers = max(1, min(clients, 2 * (os.cpu_count() or 1)))
    ctx = multiprocessing.get_context("fork")
    ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(path, mode, list(range(w, clients, workers)), names, ready, go, seconds, out),
                         daemon=True) for w in range(workers)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + 120
    for _ in procs:
        if not ready.acquire(timeout=max(0.1, deadline - time.monotonic())):
            print("NA the clients did not connect within 120 s", flush=True)
            return
    print("READY", flush=True)
    if not sys.stdin.readline():
        print("NA the harness went away", flush=True)
        return
    go.set()
    ms, failed, refused = [], 0, 0
    for _ in procs:
        m, f, r = out.get(timeout=seconds + 120)
        ms += m
        failed += f
        refused += r
    for p in procs:
        p.join(timeout=30)
    if not ms:
        print("NA no call completed", flush=True)
        return
    ms.sort()
    p99 = ms[max(0, math.ceil(len(ms) * 0.99) - 1)]
    print(f"RESULT {ms[(len(ms) - 1) // 2]:.3f} {p99:.3f} {ms[-1]:.3f} {len(ms)} {failed} {refused}", flush=True)


if __name__ == "__main__":
    main()
