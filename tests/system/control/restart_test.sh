#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kill -9 of arrakisd while a container holds a VNIC: a restarted daemon
# removes what its predecessor left (its links, and with them the attached
# programs), and containers can connect again and receive frames.
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd bpftool
testnet_setup "cr$$"
source "$(dirname "$0")/ctl_lib.sh"

daemon_start
probe_start orphan open grant udp:7000 ready rx 0
orphan_pid=$PROBE_PID
vf=$(ctl_json vnics '.[0].vf')
xdp_id=$(ip -n "$AK_NS_HOST" -d link show dev "$vf" | awk '/prog\/xdp/ { for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }')

kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
assert_eq "veths left by the killed daemon" 2 "$(host_veths)"
bpftool prog show id "$xdp_id" >/dev/null || fail "program should outlive the daemon while attached"

daemon_start
assert_eq "veths after restart" 0 "$(host_veths)"
wait_until 1 sh -c "! bpftool prog show id $xdp_id" ||
	fail "program $xdp_id survived the restart"
grep -q "removed 2 links left by a previous instance" "$CTL_TMP/arrakisd.log" ||
	fail "restart did not report its cleanup"
kill "$orphan_pid" 2>/dev/null || true

probe_start again open grant udp:7000 ready rx 0
again_pid=$PROBE_PID
addr=$(probe_field again vnic 3)
neigh "$addr" "$(probe_field again vnic 4)"
in_client "$PYTHON" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b'x', ('$addr', 7000))
"
sleep 0.3
probe_stop again "$again_pid"
assert_eq "datagrams after restart" 3 "$(probe_rx again udp 7000)"
echo "ok: a restarted daemon starts clean and serves again"
