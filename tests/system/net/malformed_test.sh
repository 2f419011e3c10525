#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Malformed frames from scapy in the client namespace reach the VNIC: a bad
# IP checksum, a bad UDP checksum, a truncated IP header, a truncated UDP
# header, and an IP total length beyond the frame are each dropped and
# counted under their reason; a datagram with non-zero Ethernet padding is
# accepted with its true length (the echo carries 1 byte, not the padding).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/net_lib.sh"
require_root
"$PYTHON" -c "import scapy" 2>/dev/null || fail "python3-scapy is missing"
testnet_setup "mf$$"

echo_server_start plain 7000
in_client ping -c 1 -W 2 "$ECHO_ADDR" >/dev/null || fail "no ping reply"
mac=$(ip -n "$AK_NS_CLIENT" neigh show "$ECHO_ADDR" | awk '{print $5}')
[[ "$mac" =~ ^[0-9a-f:]{17}$ ]] || fail "no ARP entry for $ECHO_ADDR"

echo_stats_refresh
declare -A before
for r in ip_csum udp_csum ip_short udp_short ip_len; do
	before[$r]=$(echo_stat "['stack']['drops']['$r']")
done
udp_rx_before=$(echo_stat "['stack']['udp_rx']")

in_client timeout 60 "$PYTHON" - "$ECHO_ADDR" "$mac" <<'PY' ||
import socket, sys
from scapy.all import Ether, IP, UDP, Raw, sendp, conf, get_if_hwaddr
conf.verb = 0
dst, mac = sys.argv[1], sys.argv[2]
src = "198.18.0.2"
# The bridge drops frames without a valid source MAC: give every frame
# the client's own.
eth = Ether(dst=mac, src=get_if_hwaddr("eth0"), type=0x0800)

def send(frame):
    raw = bytes(frame)
    if len(raw) < 60:
        raw += bytes(60 - len(raw))
    # Raw bytes, so scapy does not dissect and rebuild them.
    sendp(Raw(raw), iface="eth0")

# A positive control first: a valid datagram is echoed.
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind((src, 40000))
rx.settimeout(2)
send(eth / IP(src=src, dst=dst) / UDP(sport=40000, dport=7000) / Raw(b"ok"))
data, _ = rx.recvfrom(2048)
assert data == b"ok", data

send(eth / IP(src=src, dst=dst, chksum=0x1234) /
     UDP(sport=40000, dport=7000) / Raw(b"bad ip csum"))
send(eth / IP(src=src, dst=dst) /
     UDP(sport=40000, dport=7000, chksum=0x1234) / Raw(b"bad udp csum"))
# IHL says 60 header bytes; the frame holds 46 after Ethernet. (ICMP, so
# that arrakisd's receive filter, which reads UDP ports, lets it through to
# the stack.)
hdr = bytearray(bytes(IP(src=src, dst=dst, ihl=15, proto=1, options=[]) /
                      Raw(b"x" * 26)))
send(eth / Raw(bytes(hdr[:46])))
# A UDP header cut to 4 bytes by the IP total length.
ip = IP(src=src, dst=dst, proto=17, len=24) / Raw(b"\x9c\x40\x1b\x58")
send(eth / ip)
# The IP total length claims 1000 bytes; the frame carries 100.
send(eth / IP(src=src, dst=dst, len=1000) / UDP(sport=40000, dport=7000) /
     Raw(b"y" * 72))

# Non-zero padding after a 1-byte datagram: the echo carries 1 byte.
frame = bytes(eth / IP(src=src, dst=dst) / UDP(sport=40000, dport=7000) /
              Raw(b"z"))
sendp(Raw(frame + b"\xaa" * (60 - len(frame))), iface="eth0")
data, _ = rx.recvfrom(2048)
assert data == b"z", f"padding echoed as {data!r}"
print("# scapy: padding ignored, reply of 1 byte")
PY
	fail "scapy exchange failed"

echo_stats_refresh
for r in ip_csum udp_csum ip_short udp_short ip_len; do
	after=$(echo_stat "['stack']['drops']['$r']")
	assert_eq "drops of $r" $((before[$r] + 1)) "$after"
done
assert_eq "datagrams delivered" $((udp_rx_before + 2)) \
	"$(echo_stat "['stack']['udp_rx']")"
echo_server_stop
echo "ok: malformed frames dropped and counted; padding ignored"
