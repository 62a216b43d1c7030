#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The loop's latency while calls ask for read-backs (bench/voice_readback.sh): CALLS raw SIP
# calls (tests/e2e/sip_raw.py's client) from the given numbers are answered, then every one
# keys 1 (its balance, read back in words: a new amount for espeak-ng to synthesise) by SIP INFO
# at the same instant, while a client asks GET /healthz of mandatd's internal listener back to
# back. Prints the health check's latency before the burst (1 s) and during it (3 s), in ms.
# Usage: voice_readback.py SIP_PORT HTTP_PORT NUMBER...
import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import sip_raw  # noqa: E402

IDLE_S = 1.0
BURST_S = 3.0


def prober(port, stop, out):
    """GET /healthz back to back on one connection: (start time, latency) each."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        t0 = time.monotonic()
        c.request("GET", "/healthz")
        c.getresponse().read()
        out.append((t0, time.monotonic() - t0))
        time.sleep(0.002)


def stats(samples, lo, hi):
    ms = sorted(1000 * lat for t, lat in samples if lo <= t < hi)
    if not ms:
        return "n 0"
    return "n %d p50 %.1f p99 %.1f max %.1f" % (len(ms), ms[len(ms) // 2],
                                               ms[min(len(ms) - 1, len(ms) * 99 // 100)], ms[-1])


def main():
    sport, hport, numbers = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    calls = []
    for n in numbers:  # one at a time: sip_raw's From is a module global
        sip_raw.CALLER = n
        s, lport, call_id, tag, status, body, rtp = sip_raw.answered("rb", sport)
        if "200" not in status:
            sys.exit("call from %s: %s" % (n, status))
        calls.append((s, lport, call_id, tag, rtp))
    time.sleep(1.0)  # every menu has started playing
    samples, stop = [], threading.Event()
    th = threading.Thread(target=prober, args=(hport, stop, samples))
    th.start()
    time.sleep(IDLE_S)
    burst = time.monotonic()
    for s, lport, call_id, tag, rtp in calls:
        s.sendto(sip_raw.request("INFO", sport, lport, call_id, 2, to_tag=tag,
                                 body="Signal=1\r\nDuration=160\r\n",
                                 ctype="application/dtmf-relay"), ("127.0.0.1", sport))
    time.sleep(BURST_S)
    stop.set()
    th.join()
    print("idle  %s" % stats(samples, burst - IDLE_S, burst))
    print("burst %s" % stats(samples, burst, burst + BURST_S))
    for s, lport, call_id, tag, rtp in calls:
        s.sendto(sip_raw.request("BYE", sport, lport, call_id, 3, to_tag=tag), ("127.0.0.1", sport))
    for s, lport, call_id, tag, rtp in calls:
        try:
            while "BYE" not in sip_raw.final(s)[1].get("cseq", ""):
                pass
        except OSError:
            pass


if __name__ == "__main__":
    main()
