#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ping and arping from the client namespace to an Arrakis VNIC: ARP is
# answered per RFC 826, ICMP echo is answered, and a 4,000-byte ping
# (fragmented by Linux) is reassembled and answered in fragments.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/net_lib.sh"
require_root
require_cmd ping arping
testnet_setup "pi$$"

echo_server_start plain 7
in_client arping -c 2 -w 5 -I eth0 "$ECHO_ADDR" >"$NET_TMP/arping" ||
	fail "arping got no reply: $(cat "$NET_TMP/arping")"
grep -q "Received 2 response" "$NET_TMP/arping" ||
	fail "arping: $(cat "$NET_TMP/arping")"

in_client ping -c 5 -i 0.2 -W 2 "$ECHO_ADDR" >"$NET_TMP/ping" ||
	fail "ping failed: $(cat "$NET_TMP/ping")"
grep -q " 0% packet loss" "$NET_TMP/ping" || fail "$(cat "$NET_TMP/ping")"

in_client ping -c 3 -i 0.2 -W 2 -s 4000 "$ECHO_ADDR" >"$NET_TMP/ping4k" ||
	fail "4000-byte ping failed: $(cat "$NET_TMP/ping4k")"
grep -q " 0% packet loss" "$NET_TMP/ping4k" || fail "$(cat "$NET_TMP/ping4k")"

echo_stats_refresh
assert_eq "echo replies" 8 "$(echo_stat "['stack']['icmp_echo_replies']")"
assert_eq "reassembled" 3 "$(echo_stat "['stack']['ip_reassembled']")"
assert_le "arp replies" 1 "$(echo_stat "['stack']['arp_replies_tx']")"
echo_server_stop
echo "ok: ping, arping and a fragmented ping answered by $ECHO_ADDR"
