#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The transmit filter: a container sends one frame from its granted port
# (the Linux peer receives it), then frames with another container's source
# address, from an ungranted port and with a foreign source MAC. Those are
# dropped and counted by reason, and the peer never sees them.
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd jq
testnet_setup "ct$$"
source "$(dirname "$0")/ctl_lib.sh"

daemon_start
probe_start other open ready rx 0
other_pid=$PROBE_PID
other_addr=$(probe_field other vnic 3)

client_mac=$(ip -n "$AK_NS_CLIENT" -o link show eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1)}')
[[ "$client_mac" =~ ^[0-9a-f:]{17}$ ]] || fail "no client MAC"

# The peer: a UDP socket on 6000 that reports every datagram it gets.
cat >"$CTL_TMP/peer.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 6000))
print("listening", flush=True)
while True:
    data, src = s.recvfrom(2048)
    print("got %s:%d %s" % (src[0], src[1], data.decode(errors="replace")), flush=True)
PY
start_bg ip netns exec "$AK_NS_CLIENT" "$PYTHON" -u "$CTL_TMP/peer.py" \
	>"$CTL_TMP/peer.out"
peer_pid=$BG_PID
wait_until 5 grep -q listening "$CTL_TMP/peer.out" || fail "peer did not start"

probe_start sender open grant udp:7000 \
	send self:7000 198.18.0.2:6000 "$client_mac" \
	send "$other_addr:7000" 198.18.0.2:6000 "$client_mac" \
	send self:7001 198.18.0.2:6000 "$client_mac" \
	send self:7000 198.18.0.2:6000 "$client_mac" 02:41:4b:00:00:99 \
	stats ready rx 0
sender_pid=$PROBE_PID
addr=$(probe_field sender vnic 3)
assert_eq "frames sent" 4 "$(grep -c '^sent' "$CTL_TMP/sender.out")"
sleep 0.5

tx() {
	ctl_json vnics ".[] | select(.ipv4 == \"$addr\") | .tx.$1.packets"
}
assert_eq "tx src_ip drops" 1 "$(tx src_ip)"
assert_eq "tx src_port drops" 1 "$(tx src_port)"
assert_eq "tx src_mac drops" 1 "$(tx src_mac)"
(($(tx pass) >= 1)) || fail "legitimate frame not passed"

# The container reads the same counters through ak_ctl_vnic_stats().
assert_eq "drops seen by the container" "drop tx src_mac 1,drop tx src_ip 1,drop tx src_port 1" \
	"$(grep '^drop tx' "$CTL_TMP/sender.out" | paste -sd,)"
assert_eq "tx_dropped seen by the container" 3 "$(probe_field sender stats 5)"

assert_eq "datagrams at the peer" 1 "$(grep -c '^got' "$CTL_TMP/peer.out")"
assert_eq "the legitimate one" "got $addr:7000 arrakis-probe" \
	"$(grep '^got' "$CTL_TMP/peer.out")"

probe_stop sender "$sender_pid"
probe_stop other "$other_pid"
kill "$peer_pid"
echo "ok: spoofed source address, port and MAC dropped and counted"
