#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A raw SIP trunk over UDP for tests/e2e/test_sip_auth.sh: digest authentication of INVITEs
# (RFC 2617 §3.2.2, MD5, qop=auth) and session timers (RFC 4028). Prints what it got, one line
# per fact; never prints the password. A call it holds answers mandat's own refreshes (a
# re-INVITE without a body gets our offer in the 200) and mandat's BYE.
# Usage: sip_auth.py auth PORT SRC_IP USER PASS CASE [SECONDS]
#          CASE: none | good | wrong | replay | stale | forged | lock | garbage
#        sip_auth.py timer PORT USER PASS CASE
#          CASE: echo | small | expire | reinvite | update | uas | bad
import hashlib
import random
import re
import sys
import time

from sip_raw import final, request, sdp, sock_on

CREDS = None  # (user, password) for challenges, or None


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def challenge_of(headers):
    """The WWW-Authenticate parameters, as a dict."""
    value = headers.get("www-authenticate", "")
    return {k.lower(): v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', value)}


def authorization(method, uri, chall, user, password, nc=1, cnonce=None):
    cnonce = cnonce or "%08x" % random.getrandbits(32)
    ha1 = md5("%s:%s:%s" % (user, chall["realm"], password))
    ha2 = md5("%s:%s" % (method, uri))
    resp = md5("%s:%s:%08x:%s:auth:%s" % (ha1, chall["nonce"], nc, cnonce, ha2))
    return ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
            'response="%s", algorithm=MD5, qop=auth, nc=%08x, cnonce="%s"\r\n'
            % (user, chall["realm"], chall["nonce"], uri, resp, nc, cnonce))


class Call:
    """One INVITE dialog from a socket of our own."""

    def __init__(self, port, src="127.0.0.1", name="call"):
        self.port = port
        self.s, self.lport = sock_on(src)
        self.rtp, self.rtp_port = sock_on(src)
        self.call_id = "%s-%d" % (name, self.lport)
        self.cseq = 0
        self.tag = ""
        self.uri = "sip:mandat@127.0.0.1:%d" % port
        self.bye_at = None  # when mandat's BYE came
        self.refreshes = 0  # mandat's re-INVITEs answered
        self.stray = 0  # responses to nothing pending (a 200 sent again: our ACK not taken)

    def send(self, data):
        self.s.sendto(data, ("127.0.0.1", self.port))

    def invite(self, extra=""):
        """Send an INVITE (a re-INVITE once answered): (code, headers). A final response other
        than 2xx is acknowledged on its transaction, a 2xx with a new ACK."""
        self.cseq += 1
        branch = "z9hG4bK%08x" % random.getrandbits(32)
        self.send(request("INVITE", self.port, self.lport, self.call_id, self.cseq, extra=extra,
                          body=sdp(self.rtp_port), ctype="application/sdp", to_tag=self.tag,
                          branch=branch))
        status, headers, _ = self.response("INVITE")
        code = int(status.split()[1])
        tag = headers.get("to", "").partition("tag=")[2]
        self.send(request("ACK", self.port, self.lport, self.call_id, self.cseq, to_tag=tag,
                          branch=branch if code >= 300 else None))
        if code < 300:
            self.tag = tag
        return code, headers

    def invite_auth(self, extra=""):
        """An INVITE that answers one 401 with CREDS."""
        code, headers = self.invite(extra)
        if code == 401 and CREDS:
            auth = authorization("INVITE", self.uri, challenge_of(headers), *CREDS)
            code, headers = self.invite(extra + auth)
        return code, headers

    def request(self, method, extra=""):
        self.cseq += 1
        self.send(request(method, self.port, self.lport, self.call_id, self.cseq, extra=extra,
                          to_tag=self.tag))
        status, headers, _ = self.response(method)
        return int(status.split()[1]), headers

    def response(self, method):
        """The final response to our request (CSeq method), answering mandat's requests met."""
        while True:
            status, headers, body = final(self.s)
            if status.startswith("SIP/2.0 ") and method in headers.get("cseq", ""):
                return status, headers, body
            if not status.startswith("SIP/2.0 "):
                self.answer(status, headers)

    def answer(self, line, headers):
        """mandat's request: 200 to a BYE or a re-INVITE (with our offer), nothing to an ACK."""
        method = line.split()[0]
        if method == "ACK":
            return
        keep = "".join("%s: %s\r\n" % (h, headers[h]) for h in ("via", "from", "to", "call-id",
                                                                 "cseq") if h in headers)
        body = ""
        if method == "BYE":
            self.bye_at = time.monotonic()
        elif method == "INVITE":
            self.refreshes += 1
            body = sdp(self.rtp_port)
            keep += ("Contact: <sip:raw@127.0.0.1:%d>\r\nContent-Type: application/sdp\r\n"
                     % self.lport)
        self.s.sendto(("SIP/2.0 200 OK\r\n%sContent-Length: %d\r\n\r\n%s"
                       % (keep, len(body), body)).encode(), ("127.0.0.1", self.port))

    def listen(self, seconds):
        """Answer what mandat sends for that long, or until its BYE."""
        end = time.monotonic() + seconds
        while self.bye_at is None and time.monotonic() < end:
            self.s.settimeout(max(0.05, end - time.monotonic()))
            try:
                data = self.s.recv(65535).decode(errors="replace")
            except OSError:
                break
            head = data.partition("\r\n\r\n")[0].split("\r\n")
            headers = {}
            for h in head[1:]:
                name, _, value = h.partition(":")
                headers[name.strip().lower()] = value.strip()
            if not head[0].startswith("SIP/2.0"):
                self.answer(head[0], headers)
            else:
                self.stray += 1
        self.s.settimeout(3)

    def bye(self):
        if self.bye_at is not None:
            return "already ended by mandat"
        return "%d" % self.request("BYE")[0]


def auth_case(port, src, case, seconds):
    user, password = CREDS
    c = Call(port, src, "auth-" + case)
    code, headers = c.invite()
    chall = challenge_of(headers)
    stale = chall.get("stale", "no")
    if case == "none":
        print("none: %d realm=%s qop=%s algorithm=%s stale=%s" % (
            code, chall.get("realm"), chall.get("qop"), chall.get("algorithm"), stale))
        if code < 300:
            print("bye: " + c.bye())
    elif case == "good":
        code, headers = c.invite(authorization("INVITE", c.uri, chall, user, password))
        print("good: %d" % code)
        print("bye: " + c.bye())
    elif case == "wrong":
        code, _ = c.invite(authorization("INVITE", c.uri, chall, user, password + "x"))
        print("wrong: %d" % code)
    elif case == "replay":
        auth = authorization("INVITE", c.uri, chall, user, password, cnonce="c0ffee")
        code, _ = c.invite(auth)
        print("first: %d" % code)
        again = Call(port, src, "replay2")
        code, headers = again.invite(auth)  # the same nonce and count: a replay
        print("replay: %d stale=%s" % (code, challenge_of(headers).get("stale", "no")))
        code, _ = again.invite(authorization("INVITE", c.uri, chall, user, password, nc=2))
        print("next count: %d" % code)
        print("bye: %s %s" % (c.bye(), again.bye()))
    elif case == "stale":
        time.sleep(seconds)
        code, headers = c.invite(authorization("INVITE", c.uri, chall, user, password))
        fresh = challenge_of(headers)
        print("stale: %d stale=%s" % (code, fresh.get("stale", "no")))
        code, _ = c.invite(authorization("INVITE", c.uri, fresh, user, password))
        print("after stale: %d" % code)
        print("bye: " + c.bye())
    elif case == "forged":
        chall["nonce"] = "0" * 56
        code, headers = c.invite(authorization("INVITE", c.uri, chall, user, password))
        print("forged: %d stale=%s" % (code, challenge_of(headers).get("stale", "no")))
    elif case == "garbage":
        good = authorization("INVITE", c.uri, chall, user, password)
        bad = ["Digest", "Basic dHJ1bms6eA==", 'Digest username="%s"' % user, "Digest " + "a=" * 2000,
               good.replace("qop=auth", "qop=auth-int"), good.replace("nc=00000001", "nc=0"),
               good.replace("nc=00000001", "nc=1"), good.replace('cnonce="', 'xnonce="'),
               good.replace('realm="', 'realm="x'), 'Digest realm="%s", nonce="%s", uri="x", '
               'response="", username="%s"' % (chall["realm"], chall["nonce"], user),
               "\x00\xff" * 10]
        codes = []
        for b in bad:
            b = b if b.endswith("\r\n") else b + "\r\n"
            code, _ = c.invite("Authorization: " + b.replace("Authorization: ", ""))
            codes.append(code)
        print("garbage: " + " ".join("%d" % x for x in codes))
        code, headers = c.invite()
        code, _ = c.invite(authorization("INVITE", c.uri, challenge_of(headers), user, password))
        print("after garbage: %d" % code)
        print("bye: " + c.bye())
    elif case == "lock":
        for i in range(seconds):
            code, headers = c.invite(authorization("INVITE", c.uri, chall, user, password + "x"))
            print("try %d: %d" % (i + 1, code))
            last = chall
            code, headers = c.invite()
            chall = challenge_of(headers)
        print("locked: %d" % code)
        # the right password under the last nonce given (the lock is checked first)
        code, _ = c.invite(authorization("INVITE", c.uri, last, user, password))
        print("locked with the password: %d" % code)
        code, _ = c.invite()
        print("locked again: %d" % code)


def timer_case(port, case):
    c = Call(port, "127.0.0.1", "timer-" + case)
    se = {"echo": 90, "small": 3, "expire": 6, "reinvite": 6, "update": 6}.get(case)
    extra = "Supported: timer\r\nSession-Expires: %d\r\n" % se if se else ""
    if case == "bad":
        for value in ("Session-Expires: abc", "Session-Expires: 90;refresher=both",
                      "Min-SE: -1", "Session-Expires: 99999999999"):
            code, _ = c.invite_auth("Supported: timer\r\n%s\r\n" % value)
            print("bad %s: %d" % (value, code))
        return
    code, headers = c.invite_auth(extra)
    print("%s: %d session-expires=%s require=%s min-se=%s" % (
        case, code, headers.get("session-expires", "-"), headers.get("require", "-"),
        headers.get("min-se", "-")))
    start = time.monotonic()
    if code >= 300:
        return
    if case == "expire":
        c.listen(15)
    elif case == "reinvite":
        for _ in range(4):
            c.listen(2)
            code, headers = c.invite("Supported: timer\r\nSession-Expires: 6\r\n")
            print("refresh: %d session-expires=%s require=%s" % (
                code, headers.get("session-expires", "-"), headers.get("require", "-")))
        c.listen(2)
        print("mandat refreshed: %d" % c.refreshes)
        print("stray responses: %d" % c.stray)
    elif case == "update":
        for _ in range(4):
            c.listen(2)
            code, headers = c.request("UPDATE", "Supported: timer\r\nSession-Expires: 6;"
                                      "refresher=uac\r\n")
            print("update: %d session-expires=%s" % (code, headers.get("session-expires", "-")))
    elif case == "uas":
        c.listen(8)
        print("mandat refreshed: %d" % c.refreshes)
    if c.bye_at is not None:
        print("bye from mandat after %.1f s" % (c.bye_at - start))
    else:
        print("up after %.1f s" % (time.monotonic() - start))
        print("bye: " + c.bye())


def main():
    global CREDS
    if sys.argv[1] == "auth":
        CREDS = (sys.argv[4], sys.argv[5])
        seconds = int(sys.argv[7]) if len(sys.argv) > 7 else 0
        auth_case(int(sys.argv[2]), sys.argv[3], sys.argv[6], seconds)
    elif sys.argv[1] == "timer":
        CREDS = (sys.argv[3], sys.argv[4])
        timer_case(int(sys.argv[2]), sys.argv[5])


if __name__ == "__main__":
    main()
