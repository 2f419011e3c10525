#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Two containers with VNICs and different grants. A Linux client sends UDP
# and TCP to each granted port and to ungranted ones: each container
# receives exactly its own frames, and the ungranted ones show up in the
# drop counters of `arrakisctl vnics --json`.
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd jq
testnet_setup "cf$$"
source "$(dirname "$0")/ctl_lib.sh"

daemon_start
probe_start alpha open grant udp:7000 grant tcp:8000 ready rx 0
alpha_pid=$PROBE_PID
probe_start beta open grant udp:7001 grant tcp:8001 ready rx 0
beta_pid=$PROBE_PID

a_addr=$(probe_field alpha vnic 3)
b_addr=$(probe_field beta vnic 3)
neigh "$a_addr" "$(probe_field alpha vnic 4)"
neigh "$b_addr" "$(probe_field beta vnic 4)"
note "alpha $a_addr, beta $b_addr"
assert_eq "alpha's grants" "grant udp:7000 0 OK" "$(grep '^grant udp' "$CTL_TMP/alpha.out")"

# Five datagrams to every (address, port) pair, one SYN to every TCP pair.
in_client "$PYTHON" - "$a_addr" "$b_addr" <<'PY'
import socket, sys, time
for addr in sys.argv[1:]:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for port in (7000, 7001):
        for i in range(5):
            u.sendto(b"datagram %d" % i, (addr, port))
    for port in (8000, 8001):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setblocking(False)
        t.connect_ex((addr, port))
        time.sleep(0.05)
        t.close()
PY
sleep 0.5

ctl_json vnics '.' >"$CTL_TMP/vnics.json"
assert_eq "filters listed" 4 "$(ctl_json filters 'length')"
probe_stop alpha "$alpha_pid"
probe_stop beta "$beta_pid"

assert_eq "alpha udp 7000" 5 "$(probe_rx alpha udp 7000)"
assert_eq "alpha udp 7001" 0 "$(probe_rx alpha udp 7001)"
assert_eq "alpha tcp 8001" 0 "$(probe_rx alpha tcp 8001)"
assert_eq "beta udp 7001" 5 "$(probe_rx beta udp 7001)"
assert_eq "beta udp 7000" 0 "$(probe_rx beta udp 7000)"
assert_eq "beta tcp 8000" 0 "$(probe_rx beta tcp 8000)"
(($(probe_rx alpha tcp 8000) >= 1)) || fail "alpha got no SYN on 8000"
(($(probe_rx beta tcp 8001) >= 1)) || fail "beta got no SYN on 8001"

port_drops() {
	jq -r --arg a "$1" '.[] | select(.ipv4 == $a) | .rx.port.packets' \
		"$CTL_TMP/vnics.json"
}
passed() {
	jq -r --arg a "$1" '.[] | select(.ipv4 == $a) | .rx.pass.packets' \
		"$CTL_TMP/vnics.json"
}
# 5 datagrams to the other UDP port and at least one SYN to the other TCP one
(($(port_drops "$a_addr") >= 6)) || fail "alpha port drops: $(port_drops "$a_addr")"
(($(port_drops "$b_addr") >= 6)) || fail "beta port drops: $(port_drops "$b_addr")"
(($(passed "$a_addr") >= 6)) || fail "alpha passed: $(passed "$a_addr")"
note "port drops: alpha $(port_drops "$a_addr"), beta $(port_drops "$b_addr")"

echo "ok: each container received exactly its granted frames"
