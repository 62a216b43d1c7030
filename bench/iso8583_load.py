#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The load of bench/iso8583.sh: authorizations (0100, 0.01 EUR purchases of one card, each its
# own RRN) over CONNS connections spread over the host's links, WINDOW in flight on each, for
# SECONDS; prints durable authorizations per second and the p50/p99 latency (send to answer).
# Usage: iso8583_load.py PAN SECONDS CONNS WINDOW PORT...
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'e2e'))
from iso_client import decode, encode  # noqa: E402

PAN, SECONDS, CONNS, WINDOW = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
PORTS = [int(p) for p in sys.argv[5:]]
seq = [0]
lat = []
codes = {}


def request(rrn):
    return encode('0100', {2: PAN, 3: '000000', 4: '000000000001', 7: '1207101500',
                           11: '%06d' % (rrn % 1000000), 32: '12345', 37: '%012d' % rrn,
                           41: 'BENCH%03d' % (rrn % 1000), 49: '978'})


async def conn(port, end):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    sent = {}

    async def send_one():
        seq[0] += 1
        sent['%06d' % (seq[0] % 1000000)] = time.monotonic()
        writer.write(request(seq[0]))

    for _ in range(WINDOW):
        await send_one()
    await writer.drain()
    while sent:
        head = await reader.readexactly(2)
        _, f = decode(await reader.readexactly(int.from_bytes(head, 'big')))
        t0 = sent.pop(f[11], None)
        if t0 is not None:
            lat.append(time.monotonic() - t0)
        codes[f[39]] = codes.get(f[39], 0) + 1
        if time.monotonic() < end:
            await send_one()
            await writer.drain()
    writer.close()


async def main():
    end = time.monotonic() + SECONDS
    t0 = time.monotonic()
    await asyncio.gather(*(conn(PORTS[i % len(PORTS)], end) for i in range(CONNS)))
    took = time.monotonic() - t0
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print('%4d x %3d in flight | %8.0f auth/s | p50 %6.2f ms | p99 %6.2f ms | %s' %
          (CONNS, WINDOW, codes.get('00', 0) / took, p(0.5), p(0.99), codes))


asyncio.run(main())
