#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Bad input from real clients while a container keeps working: truncated,
# oversized and unknown messages, wrong magic and version, fds where none
# are expected (each gets an error reply), 2000 connections that never say
# HELLO (the daemon drops the oldest), and a client flooding requests
# without reading replies. The daemon keeps serving, logs rate-limited,
# and its memory stays bounded.
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd jq
testnet_setup "cb$$"
source "$(dirname "$0")/ctl_lib.sh"

daemon_start
probe_start steady open grant udp:7000 ready rx 0
steady_pid=$PROBE_PID
addr=$(probe_field steady vnic 3)
neigh "$addr" "$(probe_field steady vnic 4)"
base_rss=$(rss_kb "$DAEMON_PID")

# The flooder stays connected, never reading, for the rest of the test.
cat >"$CTL_TMP/flood.py" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
def msg(t, rid, payload):
    return struct.pack("<IHHIIiI", 0x54434b41, 1, t, 24 + len(payload), rid, 0, 0) + payload
s.send(msg(0x0101, 1, b"flooder".ljust(32, b"\0") + bytes(8)))
s.setblocking(False)
sent = 0
try:
    while sent < 100000:
        s.send(msg(0x0110, sent + 2, bytes(8)))
        sent += 1
except BlockingIOError:
    pass
print("flooding", sent, flush=True)
time.sleep(120)
PY
start_bg "$PYTHON" -u "$CTL_TMP/flood.py" "$CTL_SOCKET" >"$CTL_TMP/flood.out"
flood_pid=$BG_PID
wait_until 10 grep -q flooding "$CTL_TMP/flood.out" || fail "flooder did not start"
note "$(cat "$CTL_TMP/flood.out")"

"$PYTHON" - "$CTL_SOCKET" <<'PY' || fail "bad-input client failed"
import errno, os, resource, socket, struct, sys, time
path = sys.argv[1]
HDR = "<IHHIIiI"
def msg(t, rid, payload, magic=0x54434b41, version=1, length=None):
    n = 24 + len(payload) if length is None else length
    return struct.pack(HDR, magic, version, t, n, rid, 0, 0) + payload
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.settimeout(5)
    return s
def status(s):
    data = s.recv(70000)
    assert len(data) >= 24, data
    return struct.unpack(HDR, data[:24])[5], data[24:]
hello = b"bad".ljust(32, b"\0") + bytes(8)

cases = [
    ("truncated header", msg(0x0101, 1, hello)[:10], -errno.EPROTO),
    ("length field wrong", msg(0x0101, 2, hello, length=99), -errno.EBADMSG),
    ("wrong magic", msg(0x0101, 3, hello, magic=0xdeadbeef), -errno.EPROTO),
    ("wrong version", msg(0x0101, 4, hello, version=7), -errno.EPROTONOSUPPORT),
    ("unknown type", msg(0x01ee, 5, b""), -errno.EOPNOTSUPP),
    ("oversized", msg(0x0101, 6, bytes(70000)), -errno.EMSGSIZE),
    ("short payload", msg(0x0101, 7, b"abc"), -errno.EBADMSG),
    ("before HELLO", msg(0x0111, 8, bytes(8)), -errno.ENOTCONN),
]
s = conn()
for name, raw, want in cases:
    s.send(raw)
    got, reason = status(s)
    assert got == want, (name, got, want, reason)
    print("#", name, "->", got, reason.rstrip(b"\0").decode())
r, w = os.pipe()
socket.send_fds(s, [msg(0x0101, 9, hello)], [r, w])
got, reason = status(s)
assert got == -errno.EBADF, ("fds", got)
print("# unexpected fds ->", got, reason.rstrip(b"\0").decode())
s.send(msg(0x0101, 10, hello))
got, _ = status(s)
assert got == 0, ("hello after all that", got)

# 2000 connections that never say HELLO.
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
silent = [conn() for _ in range(2000)]
time.sleep(0.3)
alive = 0
for c in silent:
    c.setblocking(False)
    try:
        if c.recv(100) == b"":
            continue
    except BlockingIOError:
        alive += 1
    except ConnectionResetError:
        continue
print("# silent connections still open:", alive)
assert alive <= 64, alive

# The rest are dropped once the HELLO timeout (2 s) passes.
time.sleep(2.5)
alive = 0
for c in silent:
    try:
        if c.recv(100) != b"":
            alive += 1
    except BlockingIOError:
        alive += 1
    except ConnectionResetError:
        pass
print("# silent connections open after the HELLO timeout:", alive)
assert alive == 0, alive
PY

# Everyone else is still served: arrakisctl, and frames for the container.
assert_eq "containers listed (steady, flooder)" 2 "$(ctl_json containers length)"
in_client "$PYTHON" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4):
    s.sendto(b'x', ('$addr', 7000))
"
sleep 0.3
probe_start late open ready
kill -0 "$DAEMON_PID" || fail "arrakisd died"
rss=$(rss_kb "$DAEMON_PID")
note "RSS $base_rss kB -> $rss kB"
((rss <= base_rss + 8192)) || fail "RSS grew from $base_rss to $rss kB"
logged=$(grep -c "bad message\|without HELLO\|sent no HELLO" "$CTL_TMP/arrakisd.log" || true)
note "$logged log lines about bad clients"
((logged <= 40)) || fail "$logged log lines: not rate-limited"
probe_stop steady "$steady_pid"
assert_eq "frames to the steady container" 4 "$(probe_rx steady udp 7000)"
kill "$flood_pid"
echo "ok: bad input answered or disconnected; the daemon kept serving"
