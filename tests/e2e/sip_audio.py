#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Audio for the phone channel's speech test (test_sip_speech.sh): keypad tones as a caller's
# audio (a WAV for baresip's aufile source, or A-law frames for sip_raw.py), and a check that a
# call's recording holds the expected prompts, in order, each closer to its own words than to
# the others': energy envelopes (20 ms frames) compared by normalised cross-correlation, so the
# check fails when a prompt is in the other language, missing, silent or out of order.
# heard: one prompt is in the recording, and where it is, closer to its words than to the same
# words in the other language (a reply said in the language the caller chose).
# Usage: sip_audio.py tones OUT.wav SECONDS AT:KEY... | order REC.wav MIN MARGIN EXP.wav[:SECONDS]...
#        | heard REC.wav MIN MARGIN EXP.wav NOT.wav...
import math
import struct
import sys
import wave

RATE = 8000
FRAME = 160  # 20 ms
# DTMF: (row, column) frequencies in Hz (ITU-T Q.23).
KEYS = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
        "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
        "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
        "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633)}


def tone(key, n, start=0):
    """n samples of key's two sines (each at about -10 dBm0), from sample start of the tone."""
    lo, hi = KEYS[key]
    return [int(7000 * (math.sin(2 * math.pi * lo * (start + i) / RATE) +
                        math.sin(2 * math.pi * hi * (start + i) / RATE))) for i in range(n)]


def read(path):
    """16-bit mono samples of a WAV (baresip's recording may lack its final header sizes)."""
    d = open(path, "rb").read()[44:]
    n = len(d) // 2
    return struct.unpack("<%dh" % n, d[: 2 * n])


def envelope(s):
    return [math.log10(1 + math.sqrt(sum(x * x for x in s[i:i + FRAME]) / FRAME))
            for i in range(0, len(s) - FRAME + 1, FRAME)]


def ncc(a, b):
    n = min(len(a), len(b))
    if n < 10:
        return 0.0
    a, b = a[:n], b[:n]
    ma, mb = sum(a) / n, sum(b) / n
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den > 0 else 0.0


def tones(out, seconds, specs):
    pcm = [0] * int(seconds * RATE)
    for spec in specs:
        at, _, key = spec.partition(":")
        i = int(float(at) * RATE)
        pcm[i:i + 960] = tone(key, 960)  # 120 ms
    w = wave.open(out, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(struct.pack("<%dh" % len(pcm), *pcm))
    w.close()


def order(rec, lo, margin, expected):
    r = envelope(read(rec))
    envs = []
    for e in expected:
        path, _, secs = e.partition(":")
        env = envelope(read(path))
        envs.append((path, env[: int(float(secs) * 50)] if secs else env))
    start, ok = 0, True
    for k, (path, env) in enumerate(envs):
        best, at = -1.0, start
        for o in range(start, max(start, len(r) - len(env)) + 1):
            c = ncc(r[o:o + len(env)], env)
            if c > best:
                best, at = c, o
        others = [ncc(r[at:at + len(env)], e) for j, (_, e) in enumerate(envs) if j != k]
        good = best >= lo and all(best >= c + margin for c in others)
        print("%s %s at %.2f s: %.2f (others %s)" % ("ok" if good else "FAIL", path, at / 50,
                                                   best, " ".join("%.2f" % c for c in others)))
        ok = ok and good
        start = at + len(env) // 2
    return ok


def heard(rec, lo, margin, expected, others):
    r = envelope(read(rec))
    env = envelope(read(expected))
    best, at = -1.0, 0
    for o in range(0, max(0, len(r) - len(env)) + 1):
        c = ncc(r[o:o + len(env)], env)
        if c > best:
            best, at = c, o
    near = [ncc(r[at:at + len(env)], envelope(read(p))) for p in others]
    good = best >= lo and all(best >= c + margin for c in near)
    print("%s %s at %.2f s: %.2f (others %s)" % ("ok" if good else "FAIL", expected, at / 50, best,
                                               " ".join("%.2f" % c for c in near)))
    return good


def main():
    if sys.argv[1] == "tones":
        tones(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == "order":
        sys.exit(0 if order(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5:])
                 else 1)
    elif sys.argv[1] == "heard":
        sys.exit(0 if heard(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5],
                            sys.argv[6:]) else 1)
    else:
        sys.exit("usage: sip_audio.py tones OUT SECONDS AT:KEY... | order REC MIN MARGIN EXP... "
                 "| heard REC MIN MARGIN EXP NOT...")


if __name__ == "__main__":
    main()
