#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A raw SIP client over UDP for tests/e2e/test_sip.sh, for what baresip 1.0 cannot be asked to
# do: requests from another source address, an INVITE refused for lack of room (to read its
# Retry-After), keys sent by SIP INFO, and garbage. Prints what it got, one line per fact.
# A call from a given number can also key what it reads on stdin, one INFO per key, a line at a
# time as the test writes them, and hang up at the line BYE, or right after a line ending in !
# (its INFOs and the BYE sent back to back, no answer awaited: keys and BYE arrive in order),
# or after a line ending in ? wait for mandat's BYE (printing how long it took, or that none came
# in 15 s; then it hangs up itself).
# A trunk that sends each key both ways, as RFC 4733 events and as the tone in its audio, at
# once, a number of times (dual). Calls from several numbers that key the same key at once and
# all hang up the moment mandatd's log shows that each one's answer is being said (burst: their
# read-backs are then still being synthesised, or queued for it).
# Digest authentication of the trunk and session timers (RFC 4028) are driven by sip_auth.py.
# Usage: sip_raw.py options SRC_IP PORT | tcp PORT | busy PORT | info PORT KEY | silent PORT |
#        garbage PORT | keys PORT FROM | dual PORT KEY PRESSES | burst PORT KEY LOG FROM...
import random
import socket
import struct
import sys
import time
import warnings

with warnings.catch_warnings():  # deprecated since 3.11, still in Debian 12's Python: A-law
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

import sip_audio


CALLER = "+33611112222"


def request(method, port, lport, call_id, cseq, extra="", body="", to_tag="", ctype="",
            branch=None):
    branch = branch or "z9hG4bK%08x" % random.getrandbits(32)
    to = "<sip:mandat@127.0.0.1:%d>" % port + (";tag=" + to_tag if to_tag else "")
    head = (
        "%s sip:mandat@127.0.0.1:%d SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:%s@127.0.0.1>;tag=raw1\r\n"
        "To: %s\r\n"
        "Call-ID: %s\r\n"
        "CSeq: %d %s\r\n"
        "Contact: <sip:raw@127.0.0.1:%d>\r\n" % (method, port, lport, branch, CALLER, to, call_id,
                                                 cseq, method, lport))
    if ctype:
        head += "Content-Type: %s\r\n" % ctype
    head += extra + "Content-Length: %d\r\n\r\n" % len(body)
    return (head + body).encode()


def final(sock):
    """The first final response (skipping 1xx), as (status line, headers dict, body)."""
    while True:
        data = sock.recv(65535).decode(errors="replace")
        head, _, body = data.partition("\r\n\r\n")
        lines = head.split("\r\n")
        status = lines[0]
        if " 1" in status[7:10]:
            continue
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, body


def sdp(rtp_port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n" % rtp_port)


def sock_on(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 0))
    s.settimeout(3)
    return s, s.getsockname()[1]


def answered(name, port):
    """An INVITE answered and acknowledged: (socket, its port, call id, to-tag, status, answer
    body, RTP socket)."""
    s, lport = sock_on("127.0.0.1")
    rtp, rtp_port = sock_on("127.0.0.1")
    call_id = "%s-%d" % (name, lport)
    s.sendto(request("INVITE", port, lport, call_id, 1, body=sdp(rtp_port),
                     ctype="application/sdp"), ("127.0.0.1", port))
    status, headers, body = final(s)
    tag = headers.get("to", "").partition("tag=")[2]
    s.sendto(request("ACK", port, lport, call_id, 1, to_tag=tag), ("127.0.0.1", port))
    return s, lport, call_id, tag, status, body, rtp


# RFC 4733 §3.2: DTMF event codes.
EVENTS = {k: i for i, k in enumerate("0123456789*#ABCD")}


def dual(port, key, presses):
    """A call whose audio carries key's tone and whose RFC 4733 events carry the same key, for
    each press: 100 ms of both, then 300 ms of silence, paced at 20 ms like a trunk."""
    s, lport, call_id, tag, status, body, rtp = answered("dual", port)
    print(status, flush=True)
    media = int(body.partition("m=audio ")[2].split()[0])
    dest = ("127.0.0.1", media)
    seq, ts, ssrc = 1, 0, 0x4d414e44
    silence = audioop.lin2alaw(b"\0\0" * 160, 2)

    def send(pt, payload, stamp, marker=False):
        nonlocal seq
        rtp.sendto(struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xffff,
                               stamp, ssrc) + payload, dest)
        seq += 1

    for _ in range(presses):
        start = ts
        for f in range(5):
            pcm = sip_audio.tone(key, 160, f * 160)
            send(8, audioop.lin2alaw(struct.pack("<160h", *pcm), 2), ts)
            send(101, struct.pack("!BBH", EVENTS[key], 10, (f + 1) * 160), start, f == 0)
            ts += 160
            time.sleep(0.02)
        for _ in range(3):  # the end, three times (RFC 4733 §2.5.1.4)
            send(101, struct.pack("!BBH", EVENTS[key], 0x80 | 10, 800), start)
        for _ in range(15):
            send(8, silence, ts)
            ts += 160
            time.sleep(0.02)
    for _ in range(25):  # a moment for the last key's answer
        send(8, silence, ts)
        ts += 160
        time.sleep(0.02)
    s.sendto(request("BYE", port, lport, call_id, 2, to_tag=tag), ("127.0.0.1", port))
    print("bye: " + final(s)[0], flush=True)


def burst(port, key, log, numbers):
    """Calls from numbers, answered one after the other; then key on every one back to back; then
    BYE on every one as soon as LOG has one more "says say" line per call (each answer queued to
    be spoken), watched every 2 ms; prints each BYE's answer."""
    global CALLER
    calls = []
    for n in numbers:
        CALLER = n
        s, lport, call_id, tag, status, _, rtp = answered("burst", port)
        print(status, flush=True)
        calls.append((s, lport, call_id, tag, rtp))
    base = open(log, errors="replace").read().count(" says say")
    for s, lport, call_id, tag, _ in calls:
        s.sendto(request("INFO", port, lport, call_id, 2, to_tag=tag,
                         body="Signal=%s\r\nDuration=160\r\n" % key,
                         ctype="application/dtmf-relay"), ("127.0.0.1", port))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if open(log, errors="replace").read().count(" says say") >= base + len(calls):
            break
        time.sleep(0.002)
    for s, lport, call_id, tag, _ in calls:
        s.sendto(request("BYE", port, lport, call_id, 3, to_tag=tag), ("127.0.0.1", port))
    for s, lport, call_id, tag, _ in calls:
        while True:
            data = s.recv(65535).decode(errors="replace")
            if "cseq: 3 bye" in data.lower():
                print("bye: " + data.split("\r\n")[0], flush=True)
                break


def bye_ok(sock, text, src):
    """Answers mandat's BYE (text, from src) with 200 OK."""
    head = text.partition("\r\n\r\n")[0].split("\r\n")[1:]
    keep = [h for h in head if h.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    sock.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                 "\r\nContent-Length: 0\r\n\r\n").encode(), src)


def bye_awaited(sock, since):
    """mandat's BYE within 15 s of since, answered 200; prints how long it took, or that none came
    (then False: the caller hangs up itself)."""
    sock.settimeout(0.5)
    while time.monotonic() < since + 15:
        try:
            data, src = sock.recvfrom(65535)
        except socket.timeout:
            continue
        text = data.decode(errors="replace")
        if text.startswith("BYE "):
            print("bye from mandat after %.1f s" % (time.monotonic() - since), flush=True)
            bye_ok(sock, text, src)
            return True
    print("no bye from mandat in 15 s", flush=True)
    sock.settimeout(3)
    return False


def main():
    cmd = sys.argv[1]
    if cmd == "options":
        s, lport = sock_on(sys.argv[2])
        port = int(sys.argv[3])
        s.sendto(request("OPTIONS", port, lport, "opt-%d" % lport, 1), ("127.0.0.1", port))
        status, headers, _ = final(s)
        print(status)
        print("allow: " + headers.get("allow", ""))
    elif cmd == "tcp":
        port = int(sys.argv[2])
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        req = request("OPTIONS", port, s.getsockname()[1], "tcp-1", 1)
        s.sendall(req.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP"))
        print(s.recv(65535).decode(errors="replace").split("\r\n")[0])
    elif cmd == "busy":
        s, lport = sock_on("127.0.0.1")
        port = int(sys.argv[2])
        s.sendto(request("INVITE", port, lport, "busy-%d" % lport, 1, body=sdp(40000),
                         ctype="application/sdp"), ("127.0.0.1", port))
        status, headers, _ = final(s)
        print(status)
        print("retry-after: " + headers.get("retry-after", ""))
    elif cmd == "info":
        port = int(sys.argv[2])
        s, lport, call_id, tag, status, body, rtp = answered("info", port)
        print(status)
        print("answer: " + ("PCMA" if "PCMA/8000" in body else body.replace("\r\n", " ")))
        rtp.recv(2048)  # the first prompt's packets are flowing
        print("rtp: received")
        s.sendto(request("INFO", port, lport, call_id, 2, to_tag=tag,
                         body="Signal=%s\r\nDuration=160\r\n" % sys.argv[3],
                         ctype="application/dtmf-relay"), ("127.0.0.1", port))
        print("info: " + final(s)[0])
        s.sendto(request("INFO", port, lport, call_id, 3, to_tag=tag, body="Signal=x\r\n",
                         ctype="application/dtmf-relay"), ("127.0.0.1", port))
        print("bad info: " + final(s)[0])
        s.sendto(request("BYE", port, lport, call_id, 4, to_tag=tag), ("127.0.0.1", port))
        print("bye: " + final(s)[0])
    elif cmd == "silent":
        # A caller that sends no RTP: mandatd hangs up after [sip] rtp_timeout with a BYE.
        s, lport = sock_on("127.0.0.1")
        rtp, rtp_port = sock_on("127.0.0.1")
        port = int(sys.argv[2])
        call_id = "silent-%d" % lport
        s.sendto(request("INVITE", port, lport, call_id, 1, body=sdp(rtp_port),
                         ctype="application/sdp"), ("127.0.0.1", port))
        status, headers, _ = final(s)
        print(status)
        tag = headers.get("to", "").partition("tag=")[2]
        s.sendto(request("ACK", port, lport, call_id, 1, to_tag=tag), ("127.0.0.1", port))
        s.settimeout(10)
        while True:
            data, src = s.recvfrom(65535)
            text = data.decode(errors="replace")
            if text.startswith("BYE "):
                print("bye from mandat")
                bye_ok(s, text, src)
                break
    elif cmd == "keys":
        global CALLER
        CALLER = sys.argv[3]
        port = int(sys.argv[2])
        s, lport, call_id, tag, status, _, rtp = answered("keys", port)
        print(status, flush=True)
        rtp.recv(2048)
        cseq = 2
        for line in sys.stdin:
            line = line.strip()
            hang = line.endswith("!")  # keys then BYE at once, not waiting for any answer
            if line.endswith("?"):  # keys, then mandat's BYE awaited
                for key in line.rstrip("?"):
                    s.sendto(request("INFO", port, lport, call_id, cseq, to_tag=tag,
                                     body="Signal=%s\r\nDuration=160\r\n" % key,
                                     ctype="application/dtmf-relay"), ("127.0.0.1", port))
                    cseq += 1
                    final(s)
                if bye_awaited(s, time.monotonic()):
                    break
                line, hang = "BYE", False
            for key in "" if line == "BYE" else line.rstrip("!"):
                s.sendto(request("INFO", port, lport, call_id, cseq, to_tag=tag,
                                 body="Signal=%s\r\nDuration=160\r\n" % key,
                                 ctype="application/dtmf-relay"), ("127.0.0.1", port))
                cseq += 1
                if not hang:
                    final(s)
            if hang or line == "BYE":
                s.sendto(request("BYE", port, lport, call_id, cseq, to_tag=tag),
                         ("127.0.0.1", port))
                while True:
                    data = s.recv(65535).decode(errors="replace")
                    if "CSeq: %d BYE" % cseq in data or "cseq: %d BYE" % cseq in data.lower():
                        print("bye: " + data.split("\r\n")[0], flush=True)
                        break
                break
            print("keyed", flush=True)
    elif cmd == "dual":
        dual(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "burst":
        burst(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])
    elif cmd == "garbage":
        s, _ = sock_on("127.0.0.1")
        port = int(sys.argv[2])
        rnd = random.Random(14)
        for i in range(200):
            junk = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 1400)))
            if i % 2:
                junk = b"INVITE sip:x SIP/2.0\r\nVia: " + junk + b"\r\n\r\n"
            s.sendto(junk, ("127.0.0.1", port))
        print("sent: 200")


if __name__ == "__main__":
    main()
