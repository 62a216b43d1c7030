#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The ISO 8583 link of issue 15 against this test's own ISO 8583:1987 client (written here, not
# mandat's codec): echo, sign-on and sign-off answered; an unknown network code refused 12; the
# in-flight limit (4) answered 91 at once while 4 requests wait; the host's own echo on an idle
# connection, and the connection dropped when that echo goes unanswered; a malformed message
# refused without losing the connection; an oversized frame closing it; an outbound link that
# signs on, echoes, and reconnects after a drop; TLS both ways, a switch without a client
# certificate refused. Usage: test_iso_link.py PATH/iso_link_peer
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iso_client  # noqa: E402
from iso_client import encode  # noqa: E402

PEER = sys.argv[1]
DEADLINE = time.monotonic() + 50  # the whole test, under ctest's 60 s



def read_frame(sock):
    """One message, or None at the end of the stream."""
    return iso_client.read_frame(sock, recv_exact)


def recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        sock.settimeout(max(0.1, DEADLINE - time.monotonic()))
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print('ok -', what)


def wait_for(cond, what, seconds=10):
    end = min(DEADLINE, time.monotonic() + seconds)
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError('timed out: ' + what)


def start_peer(args, ports_file=None):
    cmd = [PEER] + args + (['--ports-file', ports_file] if ports_file else [])
    return subprocess.Popen(cmd, stderr=open(os.path.join(TMP, 'peer.log'), 'a'))


def network(stan, code):
    return encode('0800', {7: '1207103015', 11: stan, 70: code})


def request(stan):
    return encode('0200', {2: '4111111111111111', 3: '011000', 4: '000000050000',
                           7: '1207103015', 11: stan, 32: '423935',
                           35: '4111111111111111=2912101', 37: '3341123456%02d' % int(stan[-2:]),
                           41: 'ATM00042', 49: '504', 52: '0123456789ABCDEF'})


def test_listener():
    ports = os.path.join(TMP, 'port')
    peer = start_peer(['listen', '127.0.0.1:0', '--in-flight', '4', '--delay-ms', '500',
                       '--echo-idle-ms', '600', '--echo-wait-ms', '500'], ports)
    try:
        wait_for(lambda: os.path.exists(ports) and open(ports).read().strip(), 'the port file')
        port = int(open(ports).read())
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
        for stan, code, rc in (('000001', '301', '00'), ('000002', '001', '00'),
                               ('000003', '002', '00'), ('000004', '999', '12')):
            s.sendall(network(stan, code))
            mti, f = read_frame(s)
            check(mti == '0810' and f[11] == stan and f[70] == code and f[39] == rc,
                  '0800 %s answered 0810 %s' % (code, rc))
            check(f[7] == '1207103015', '0810 echoes field 7')

        # Six requests at once: four wait for their answer, the fifth and sixth get 91 at once.
        s.sendall(b''.join(request('%06d' % i) for i in range(11, 17)))
        answers = [read_frame(s) for _ in range(6)]
        codes = [(f[11], f[39]) for _, f in answers]
        check(codes[:2] == [('000015', '91'), ('000016', '91')],
              'beyond the in-flight limit: 91 at once (%s)' % codes[:2])
        check(sorted(codes[2:]) == [('%06d' % i, '00') for i in range(11, 15)],
              'the four in flight answered 00 by the host (%s)' % codes[2:])
        mti, f = answers[2]
        check(mti == '0210' and f[2] == '4111111111111111' and f[41] == 'ATM00042' and
              f[38] == 'A1B2C3', '0210 carries the echoed fields and the answer')
        check(35 not in f and 52 not in f, 'track 2 and the PIN block are never echoed')

        # A malformed message (field 4 with a letter) is refused; the connection goes on.
        bad = b'0200' + b'3000000000000000' + b'011000' + b'00000000A000'
        s.sendall(len(bad).to_bytes(2, 'big') + bad)
        s.sendall(network('000005', '301'))
        mti, f = read_frame(s)
        check(mti == '0810' and f[11] == '000005', 'malformed message dropped, link still answers')

        # Idle: the host sends its own echo; answered, the link stays.
        mti, f = read_frame(s)
        check(mti == '0800' and f[70] == '301' and len(f[11]) == 6 and len(f[7]) == 10,
              'the host echoes an idle connection (0800 301)')
        s.sendall(encode('0810', {7: f[7], 11: f[11], 39: '00', 70: '301'}))
        # The next echo goes unanswered: the host drops the connection.
        mti, f = read_frame(s)
        check(mti == '0800' and f[70] == '301', 'a second echo after idle')
        t0 = time.monotonic()
        check(read_frame(s) is None, 'an unanswered echo drops the connection')
        check(time.monotonic() - t0 < 3, 'dropped within the echo wait')
        s.close()

        # A request whose connection closes before its answer: the answer finds it gone.
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
        s.sendall(request('000031'))
        s.close()
        log = os.path.join(TMP, 'peer.log')
        wait_for(lambda: "the request's connection is gone" in open(log).read(),
                 'an answer for a closed connection is dropped')
        print('ok - an answer for a closed connection is dropped')

        # An oversized frame header closes the connection before any body is sent.
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
        s.sendall(b'\xff\xff')
        check(read_frame(s) is None, 'a frame above the maximum closes the connection')
        s.close()
    finally:
        peer.send_signal(signal.SIGTERM)
        check(peer.wait(timeout=10) == 0, 'the listener stops on SIGTERM')
    log = open(os.path.join(TMP, 'peer.log')).read()
    check('message refused: field 4: character 9 is not a digit' in log,
          'the malformed message is logged with its reason')
    check('4111111111111111' not in log and '0123456789ABCDEF' not in log,
          'no card number or PIN block in the log')


def test_outbound():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(4)
    srv.settimeout(10)
    port = srv.getsockname()[1]
    peer = start_peer(['connect', '127.0.0.1:%d' % port, '--sign-on', '--echo-idle-ms', '300',
                       '--echo-wait-ms', '2000'])
    try:
        for attempt in (1, 2):
            c, _ = srv.accept()
            mti, f = read_frame(c)
            check(mti == '0800' and f[70] == '001', 'the host signs on when connected (%d)' % attempt)
            c.sendall(encode('0810', {7: f[7], 11: f[11], 39: '00', 70: '001'}))
            mti, f = read_frame(c)
            check(mti == '0800' and f[70] == '301', 'the host echoes the switch when idle')
            c.sendall(encode('0810', {7: f[7], 11: f[11], 39: '00', 70: '301'}))
            c.sendall(network('000777', '301'))
            mti, f = read_frame(c)
            while mti == '0800':  # an idle echo may come first
                c.sendall(encode('0810', {7: f[7], 11: f[11], 39: '00', 70: '301'}))
                mti, f = read_frame(c)
            check(mti == '0810' and f[11] == '000777' and f[39] == '00',
                  'the host answers the switch\'s echo')
            c.close()  # then the host must reconnect
    finally:
        peer.send_signal(signal.SIGTERM)
        check(peer.wait(timeout=10) == 0, 'the outbound link stops on SIGTERM')
        srv.close()


def make_certs():
    """A CA, a certificate for 127.0.0.1 (the host's and the switch's) and a client one."""
    def run(*args):
        subprocess.run(['openssl'] + list(args), check=True, cwd=TMP, capture_output=True)
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
        '-days', '2', '-subj', '/CN=test switch CA')
    for name in ('host', 'client'):
        run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', name + '.key', '-out',
            name + '.csr', '-subj', '/CN=' + name)
        with open(os.path.join(TMP, name + '.ext'), 'w') as f:
            f.write('subjectAltName=IP:127.0.0.1\n')
        run('x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
            '-CAcreateserial', '-out', name + '.pem', '-days', '2', '-extfile', name + '.ext')
    return {k: os.path.join(TMP, k) for k in ('ca.pem', 'host.pem', 'host.key', 'client.pem',
                                               'client.key')}


def test_tls():
    import ssl
    c = make_certs()
    ports = os.path.join(TMP, 'port_tls')
    peer = start_peer(['listen', '127.0.0.1:0', '--tls-cert', c['host.pem'], '--tls-key',
                       c['host.key'], '--tls-ca', c['ca.pem']], ports)
    try:
        wait_for(lambda: os.path.exists(ports) and open(ports).read().strip(), 'the TLS port')
        port = int(open(ports).read())
        ctx = ssl.create_default_context(cafile=c['ca.pem'])
        ctx.load_cert_chain(c['client.pem'], c['client.key'])
        s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=5),
                            server_hostname='127.0.0.1')
        s.sendall(network('000041', '301'))
        mti, f = read_frame(s)
        check(mti == '0810' and f[39] == '00', 'echo over TLS with a client certificate')
        s.close()
        # Without a client certificate the handshake or the first read fails.
        bare = ssl.create_default_context(cafile=c['ca.pem'])
        refused = False
        try:
            s = bare.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=5),
                                 server_hostname='127.0.0.1')
            s.sendall(network('000042', '301'))
            refused = read_frame(s) is None
        except (ssl.SSLError, ConnectionError):
            refused = True
        check(refused, 'a switch without a client certificate is refused')
    finally:
        peer.send_signal(signal.SIGTERM)
        check(peer.wait(timeout=10) == 0, 'the TLS listener stops on SIGTERM')

    # Outbound over TLS: the host checks the switch's certificate and presents its own.
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(2)
    srv.settimeout(10)
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=c['ca.pem'])
    sctx.load_cert_chain(c['host.pem'], c['host.key'])
    sctx.verify_mode = ssl.CERT_REQUIRED
    peer = start_peer(['connect', '127.0.0.1:%d' % srv.getsockname()[1], '--sign-on',
                       '--tls-ca', c['ca.pem'], '--tls-cert', c['client.pem'], '--tls-key',
                       c['client.key']])
    try:
        conn, _ = srv.accept()
        conn = sctx.wrap_socket(conn, server_side=True)
        check(conn.getpeercert() is not None, 'the host presents its client certificate')
        mti, f = read_frame(conn)
        check(mti == '0800' and f[70] == '001', 'the host signs on over TLS')
        conn.close()
    finally:
        peer.send_signal(signal.SIGTERM)
        check(peer.wait(timeout=10) == 0, 'the outbound TLS link stops on SIGTERM')

    # A switch whose certificate another CA signed: the host refuses it.
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                    'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=other CA'],
                   check=True, cwd=TMP, capture_output=True)
    peer = start_peer(['connect', '127.0.0.1:%d' % srv.getsockname()[1], '--sign-on',
                       '--tls-ca', os.path.join(TMP, 'other.pem')])
    try:
        conn, _ = srv.accept()
        refused = False
        try:
            conn = sctx_plain(c).wrap_socket(conn, server_side=True)
            refused = read_frame(conn) is None
        except (ssl.SSLError, ConnectionError):
            refused = True
        check(refused, 'a switch certificate from another CA is refused')
        log = os.path.join(TMP, 'peer.log')
        wait_for(lambda: 'certificate verify failed' in open(log).read(),
                 'the refusal logged with its reason')
        print('ok - the refusal logged with its reason')
    finally:
        peer.send_signal(signal.SIGTERM)
        check(peer.wait(timeout=10) == 0, 'the refused outbound link stops on SIGTERM')
        srv.close()


def sctx_plain(c):
    """A switch's TLS server that asks for no client certificate."""
    import ssl
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(c['host.pem'], c['host.key'])
    return ctx


with tempfile.TemporaryDirectory() as TMP:
    try:
        test_listener()
        test_outbound()
        test_tls()
    except Exception:
        sys.stderr.write(open(os.path.join(TMP, 'peer.log')).read()[-4000:]
                         if os.path.exists(os.path.join(TMP, 'peer.log')) else '')
        raise
print('e2e_iso_link: all passed')
