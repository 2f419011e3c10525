#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Feeds malformed RESP to a server, each case on its own connection,
while a well-behaved client keeps getting answers between cases. Every
case must end in a Redis-like error reply and/or a disconnect, never a
hang. Prints one line per case; exits 1 on the first wrong outcome.

usage: malformed.py HOST PORT
"""
import socket
import sys
import time

ERR = b"-ERR Protocol error: "

# (name, bytes to send, what the reply must start with (None: only a
# disconnect is required), must the server disconnect)
CASES = [
    ("negative bulk length", b"*1\r\n$-5\r\n", ERR + b"invalid bulk length",
     True),
    ("absurd bulk length", b"*1\r\n$99999999999999999999\r\n",
     ERR + b"invalid bulk length", True),
    ("1 GB bulk claim", b"*2\r\n$3\r\nSET\r\n$1073741824\r\n",
     ERR + b"invalid bulk length", True),
    ("negative multibulk", b"*-7\r\nPING\r\n", b"+PONG", False),
    ("absurd multibulk", b"*99999999999\r\n",
     ERR + b"invalid multibulk length", True),
    ("not a bulk", b"*1\r\n+PING\r\n", ERR + b"expected '$', got '+'",
     True),
    ("binary junk", bytes(range(256)) * 4 + b"\n", None, False),
    ("junk line", b"\x01\x02\xfe\xff junk\r\n", b"-ERR unknown command",
     False),
    ("unbalanced quotes", b"SET \"k v\r\n",
     ERR + b"unbalanced quotes in request", True),
    ("unterminated header", b"*1\r\n$" + b"9" * 70000,
     ERR + b"too big bulk count string", True),
    ("unterminated inline", b"GET " + b"k" * 70000,
     ERR + b"too big inline request", True),
]


def recv_until_close(s, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def check_good(good):
    good.sendall(b"PING\r\n")
    if good.recv(64) != b"+PONG\r\n":
        sys.exit("FAIL: the well-behaved client got no PONG")


def run_case(host, port, name, data, prefix, closes):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(data)
    reply, closed = recv_until_close(s, 2.0)
    s.close()
    if prefix is not None and not reply.startswith(prefix):
        sys.exit("FAIL %s: reply %r" % (name, reply[:120]))
    if closes and not closed:
        sys.exit("FAIL %s: not disconnected" % name)
    print("ok %s: %r%s" % (name, reply[:60], ", closed" if closed else ""))


def pipelined(host, port, n):
    """n requests in one write, n replies in order."""
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(b"".join(b"*2\r\n$4\r\nECHO\r\n$6\r\n%06d\r\n" % i
                       for i in range(n)))
    want = b"".join(b"$6\r\n%06d\r\n" % i for i in range(n))
    got = b""
    while len(got) < len(want):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    s.close()
    if got != want:
        sys.exit("FAIL %d pipelined: %d of %d bytes right"
                 % (n, len(got), len(want)))
    print("ok %d pipelined requests in one write" % n)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    good = socket.create_connection((host, port), timeout=10)
    for name, data, prefix, closes in CASES:
        run_case(host, port, name, data, prefix, closes)
        check_good(good)
    # A claim that is never honoured: the server holds the connection
    # open without allocating the claimed size.
    idle = [socket.create_connection((host, port)) for _ in range(50)]
    for s in idle:
        s.sendall(b"*2\r\n$3\r\nGET\r\n$536870912\r\nabc")
    time.sleep(0.5)
    check_good(good)
    for s in idle:
        s.close()
    pipelined(host, port, 10000)
    check_good(good)
    print("malformed: all cases handled, the other client kept its service")


if __name__ == "__main__":
    main()
