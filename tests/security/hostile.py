#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Hostile HTTP clients for tests/security/test_http_hostile.sh: each subcommand attacks
# 127.0.0.1:PORT and prints one line, "ok ..." or "FAIL ...", that the script counts.
# Usage: hostile.py PORT COMMAND [ARGS]
import os
import selectors
import socket
import sys
import time

port = int(sys.argv[1])


def connect(timeout=10.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_all(s, timeout=10.0):
    """Everything until the server closes (or timeout); a reset ends it too."""
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            s.settimeout(max(0.01, end - time.monotonic()))
            d = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not d:
            break
        out += d
    return out


def send_quietly(s, data):
    try:
        s.sendall(data)
    except OSError:
        pass  # the server answered and closed before reading it all: expected


def status(resp):
    line = resp.split(b"\r\n", 1)[0].decode(errors="replace")
    return line


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail), flush=True)


def one(data, want, name):
    s = connect()
    send_quietly(s, data)
    resp = read_all(s)
    s.close()
    check(name, status(resp).startswith("HTTP/1.1 " + want), repr(resp[:200]))


def head(name):
    """A request whose head breaks one limit."""
    if name == "headers64k":
        one(b"GET /healthz HTTP/1.1\r\nHost: a\r\n" +
            b"".join(b"X-%d: %s\r\n" % (i, b"a" * 1024) for i in range(64)) + b"\r\n",
            "431", "64 KiB of headers: 431")
    elif name == "lines20k":
        one(b"GET /healthz HTTP/1.1\r\n" + b"X-A: b\r\n" * 20000 + b"\r\n", "431",
            "20 000 header lines: 431")
    elif name == "url1m":
        one(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: a\r\n\r\n", "414",
            "1 MiB URL: 414")
    elif name == "line32m":
        one(b"GET /healthz HTTP/1.1\r\nX-A: " + b"a" * (32 << 20) + b"\r\n\r\n", "431",
            "32 MiB header line: 431")
    elif name == "cl-dup":
        one(b"POST /kannel/mo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
            b"\r\nhello!GET /healthz HTTP/1.1\r\n\r\n", "400", "two Content-Lengths: 400")
        one(b"POST /kannel/mo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400",
            "Content-Length with Transfer-Encoding: 400")


def stream(total_mb):
    """A request line that never ends, streamed as fast as the server takes it."""
    s = connect()
    chunk = b"a" * (1 << 20)
    s.sendall(b"GET /")
    sent = 0
    try:
        while sent < total_mb:
            s.sendall(chunk)
            sent += 1
    except OSError:
        pass
    resp = read_all(s, 5)
    s.close()
    # The answer may be lost to the reset of a connection closed with unread data: what
    # matters is that the server stopped reading long before the end.
    check("%d MB request line: cut off after %d MB (%s)" % (total_mb, sent, status(resp) or
          "reset"), sent < total_mb, "the server read it all")


def slow(n, interval):
    """n connections sending one header line every interval seconds, never ending the head."""
    sel = selectors.DefaultSelector()
    conns = []
    for _ in range(n):
        s = connect()
        s.setblocking(False)
        s.send(b"GET /healthz HTTP/1.1\r\n")
        sel.register(s, selectors.EVENT_READ)
        conns.append(s)
    t0 = time.monotonic()
    closed = {}
    answered = 0
    nxt = t0 + interval
    while len(closed) < n and time.monotonic() - t0 < 30:
        for key, _ in sel.select(timeout=max(0, nxt - time.monotonic())):
            s = key.fileobj
            try:
                d = s.recv(4096)
            except OSError:
                d = b""
            if d.startswith(b"HTTP/1.1 408"):
                answered += 1
            if not d or d.startswith(b"HTTP/1.1 408"):
                closed[s] = time.monotonic() - t0
                sel.unregister(s)
        if time.monotonic() >= nxt:
            nxt += interval
            for s in conns:
                if s not in closed:
                    try:
                        s.send(b"X-Slow: still here\r\n")
                    except OSError:
                        pass
    last = max(closed.values()) if closed else -1
    for s in conns:
        s.close()
    check("%d slow connections: %d cut, %d with 408, the last after %.1f s" %
          (n, len(closed), answered, last), len(closed) == n and last < 8,
          "some stayed open")


def cap(n):
    """n connections from this address are held; one more gets 503 with Retry-After."""
    held = [connect() for _ in range(n)]
    time.sleep(0.3)
    s = connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
    resp = read_all(s, 5)
    s.close()
    for h in held:
        h.close()
    check("connection %d from one address: 503 with Retry-After" % (n + 1),
          resp.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in resp, repr(resp[:200]))


def load(n, seconds):
    """Well-behaved load: n keep-alive connections, each POSTing a message (answered once it is
    durable) and reading the answer, again and again; every answer must come."""
    sel = selectors.DefaultSelector()
    state = {}

    def send(s, i):
        body = b"BAL"
        # The gateway's endpoint, on the internal listener, with its secret (from the script).
        secret = os.environ.get("MANDAT_KSECRET", "").encode()
        s.sendall(b"POST /kannel/mo?secret=%s&from=%%2B3361%08d HTTP/1.1\r\nHost: a\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (secret, i, len(body), body))

    for i in range(n):
        s = connect()
        send(s, i)
        state[s] = [i, b"", 0]
        sel.register(s, selectors.EVENT_READ)
    end = time.monotonic() + seconds
    done = 0
    while time.monotonic() < end + 5 and state:
        ready = sel.select(timeout=1)
        if not ready:
            break
        for key, _ in ready:
            s = key.fileobj
            st = state[s]
            d = s.recv(65536)
            if not d:
                break
            st[1] += d
            h = st[1].find(b"\r\n\r\n")
            if h < 0:
                continue
            cl = [l for l in st[1][:h].split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if not cl or len(st[1]) < h + 4 + int(cl[0].split(b":")[1]):
                continue
            ok = st[1].startswith(b"HTTP/1.1 200")
            st[1] = b""
            if not ok:
                break
            done += 1
            st[2] += 1
            if time.monotonic() < end:
                send(s, st[0])
            else:
                # One more message and gone before its answer, as load generators end: the
                # server must cope with clients that leave mid-request.
                send(s, st[0])
                sel.unregister(s)
                s.close()
                del state[s]
    check("%d connections of messages for %g s: %d answered, all connections served" %
          (n, seconds, done), not state and done >= n, "%d connections never finished" % len(state))


def flood(n, hold):
    """n connections opened (more than the server has descriptors) and held hold seconds."""
    held = []
    for _ in range(n):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            break
    print("held %d connections" % len(held), flush=True)
    time.sleep(hold)
    for h in held:
        h.close()


def main():
    cmd = sys.argv[2]
    args = sys.argv[3:]
    if cmd == "head":
        head(args[0])
    elif cmd == "stream":
        stream(int(args[0]))
    elif cmd == "slow":
        slow(int(args[0]), float(args[1]))
    elif cmd == "cap":
        cap(int(args[0]))
    elif cmd == "load":
        load(int(args[0]), float(args[1]))
    elif cmd == "flood":
        flood(int(args[0]), float(args[1]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
