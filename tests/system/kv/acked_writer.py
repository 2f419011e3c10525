#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes SET key:N value:N over one raw RESP connection, a few in flight,
and appends each key whose +OK arrived to a file (flushed per reply), until
the server goes away or the time is up. `verify` reads that file back and
checks every recorded key on the (restarted) server with MGET.

usage: acked_writer.py write HOST PORT ACKFILE SECONDS
       acked_writer.py verify HOST PORT ACKFILE
"""
import socket
import sys
import time

WINDOW = 8


def value_of(n):
    return b"value:%d:" % n + b"x" * (n % 100)


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def write(host, port, ackfile, seconds):
    s = socket.create_connection((host, port), timeout=2)
    deadline = time.monotonic() + seconds
    sent = acked = 0
    buf = b""
    with open(ackfile, "w") as acks:
        try:
            while time.monotonic() < deadline:
                while sent - acked < WINDOW:
                    s.sendall(resp(b"SET", b"key:%d" % sent,
                                   value_of(sent)))
                    sent += 1
                data = s.recv(65536)
                if not data:
                    break
                buf += data
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    if line != b"+OK":
                        sys.exit("unexpected reply %r" % line)
                    acks.write("%d\n" % acked)
                    acks.flush()
                    acked += 1
        except (ConnectionError, socket.timeout):
            pass
    print("acked_writer: %d sent, %d acknowledged" % (sent, acked))


def read_reply(f):
    line = f.readline()
    if line.startswith(b"*"):
        return [read_reply(f) for _ in range(int(line[1:]))]
    if line.startswith(b"$"):
        n = int(line[1:])
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    return line.rstrip(b"\r\n")


def verify(host, port, ackfile):
    with open(ackfile) as f:
        keys = [int(x) for x in f.read().split()]
    s = socket.create_connection((host, port), timeout=30)
    f = s.makefile("rb")
    missing = 0
    for i in range(0, len(keys), 500):
        batch = keys[i:i + 500]
        s.sendall(resp(b"MGET", *[b"key:%d" % k for k in batch]))
        got = read_reply(f)
        for k, v in zip(batch, got):
            if v != value_of(k):
                missing += 1
                if missing <= 5:
                    print("key:%d: expected %r, got %r"
                          % (k, value_of(k), v))
    print("acked_writer: %d acknowledged keys checked, %d missing"
          % (len(keys), missing))
    sys.exit(1 if missing or not keys else 0)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4],
              float(sys.argv[5]))
    else:
        verify(sys.argv[2], int(sys.argv[3]), sys.argv[4])
