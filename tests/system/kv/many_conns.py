#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Opens N concurrent connections (in waves of 500), keeps all of them
open, and has every one run SET and GET of its own key; all must be
answered within the time limit. Needs a file descriptor limit above N.

usage: many_conns.py HOST PORT N SECONDS
"""
import selectors
import socket
import sys
import time


BATCH = 500


def wait_connected(socks, deadline):
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE)
    left = len(socks)
    while left:
        if time.monotonic() > deadline:
            sys.exit("FAIL: connections not established in time")
        for key, _ in sel.select(timeout=1.0):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sys.exit("FAIL: connect: error %d" % err)
            sel.unregister(key.fileobj)
            left -= 1
    sel.close()


def main():
    host, port, n, limit = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                            float(sys.argv[4]))
    deadline = time.monotonic() + limit
    sel = selectors.DefaultSelector()
    pending = {}
    # Connections open in waves of BATCH, each wave established before the
    # next starts, as a pool of clients ramps up; all stay open.
    for first in range(0, n, BATCH):
        wave = []
        for i in range(first, min(n, first + BATCH)):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((host, port))
            req = b"SET conn:%d %d\r\nGET conn:%d\r\n" % (i, i, i)
            want = b"+OK\r\n$%d\r\n%d\r\n" % (len(str(i)), i)
            pending[s] = [req, want, b""]
            wave.append(s)
        wait_connected(wave, deadline)
        for s in wave:
            sel.register(s, selectors.EVENT_WRITE)
    done = 0
    while done < n:
        if time.monotonic() > deadline:
            sys.exit("FAIL: %d of %d connections answered in %.0f s"
                     % (done, n, limit))
        for key, ev in sel.select(timeout=1.0):
            s = key.fileobj
            st = pending[s]
            if ev & selectors.EVENT_WRITE:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    sys.exit("FAIL: connect: error %d" % err)
                s.send(st[0])
                sel.modify(s, selectors.EVENT_READ)
                continue
            data = s.recv(4096)
            if not data:
                sys.exit("FAIL: a connection was closed")
            st[2] += data
            if len(st[2]) >= len(st[1]):
                if st[2] != st[1]:
                    sys.exit("FAIL: reply %r, want %r" % (st[2], st[1]))
                sel.unregister(s)
                done += 1
    # All are still open: the server must count them at once.
    info = socket.create_connection((host, port), timeout=10)
    info.sendall(b"INFO clients\r\n")
    text = b""
    while b"connected_clients:" not in text or not text.endswith(b"\r\n"):
        text += info.recv(4096)
    clients = int(text.split(b"connected_clients:")[1].split(b"\r\n")[0])
    if clients < n + 1:
        sys.exit("FAIL: connected_clients %d, want %d" % (clients, n + 1))
    print("many_conns: %d concurrent connections served, %d connected"
          % (n, clients))
    for s in pending:
        s.close()


if __name__ == "__main__":
    main()
