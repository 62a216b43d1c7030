# SPDX-License-Identifier: Apache-2.0
# The e2e tests' own ISO 8583:1987 client codec (issue 15), independent of mandat's: ASCII MTI,
# hex-ASCII bitmaps, the fields the tests send, 2-byte length framing. Used by test_iso_link.py
# and test_iso_host.py.

# ISO 8583:1987 field layouts this client uses: (kind, length); kind n/an/ans/b, length
# 'LL'/'LLL' or a fixed size in characters (b: hex characters).
FIELDS = {2: ('n', 'LL'), 3: ('n', 6), 4: ('n', 12), 7: ('n', 10), 11: ('n', 6), 12: ('n', 6),
          13: ('n', 4), 32: ('n', 'LL'), 35: ('z', 'LL'), 37: ('an', 12), 38: ('an', 6),
          39: ('an', 2), 41: ('ans', 8), 42: ('ans', 15), 49: ('n', 3), 52: ('b', 16),
          70: ('n', 3), 6: ('n', 12), 14: ('n', 4), 51: ('n', 3), 54: ('ans', 'LLL'),
          90: ('n', 42)}


def encode(mti, fields):
    bits = [0, 0]
    for n in fields:
        bits[(n - 1) // 64] |= 1 << (63 - (n - 1) % 64)
    if bits[1]:
        bits[0] |= 1 << 63
    out = mti + '%016X' % bits[0] + ('%016X' % bits[1] if bits[1] else '')
    for n in sorted(fields):
        v = fields[n]
        kind, length = FIELDS[n]
        if length == 'LL':
            out += '%02d' % len(v)
        elif length == 'LLL':
            out += '%03d' % len(v)
        else:
            assert len(v) == length, (n, v)
        out += v
    data = out.encode('ascii')
    return len(data).to_bytes(2, 'big') + data


def decode(data):
    text = data.decode('ascii')
    mti, pos = text[:4], 4
    bits = [int(text[pos:pos + 16], 16), 0]
    pos += 16
    if bits[0] >> 63:
        bits[1] = int(text[pos:pos + 16], 16)
        pos += 16
    fields = {}
    for n in range(2, 129):
        if not bits[(n - 1) // 64] >> (63 - (n - 1) % 64) & 1:
            continue
        kind, length = FIELDS[n]
        if length == 'LL':
            length, pos = int(text[pos:pos + 2]), pos + 2
        elif length == 'LLL':
            length, pos = int(text[pos:pos + 3]), pos + 3
        fields[n], pos = text[pos:pos + length], pos + length
    assert pos == len(text), 'trailing bytes'
    return mti, fields


def read_frame(sock, recv_exact):
    """One message, or None at the end of the stream."""
    head = recv_exact(sock, 2)
    if head is None:
        return None
    body = recv_exact(sock, int.from_bytes(head, 'big'))
    return decode(body)
