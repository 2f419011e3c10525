# SPDX-License-Identifier: MIT
#
# Helpers of the TCP system tests and benchmark (sourced after
# tests/system/lib.sh and testnet_setup).
#
# tcp_vf_setup: a software VF in $AK_NS_HOST for tcp-direct: veth vf0 on the
# bridge, its peer vfapp0 (no address) where tcp-direct opens AF_XDP.
# Removed with the testnet.
tcp_vf_setup() {
	local ns=$AK_NS_HOST dev
	ip -n "$ns" link add vf0 type veth peer name vfapp0
	for dev in vf0 vfapp0; do
		ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off \
			gro off rx off >/dev/null 2>&1 || true
		ip netns exec "$ns" sysctl -qw \
			"net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null 2>&1 || true
	done
	ip -n "$ns" link set vf0 master "$AK_BRIDGE"
	ip -n "$ns" link set vf0 up
	ip -n "$ns" link set vfapp0 up
	TCP_VF_DEV=vfapp0
	TCP_VF_ADDR=198.18.0.100
}

# tcp_lossy_setup ARGS...: puts tools/lossy-wire between the client and the
# bridge: the client's bridge port leaves the bridge, a new veth pair lw0
# (forwarder side) / lw1 (bridge port) takes its place, and lossy-wire
# forwards between client0 and lw0 with ARGS (--loss, --seed, ...).
tcp_lossy_setup() {
	local ns=$AK_NS_HOST dev
	ip -n "$ns" link set "$AK_CLIENT_PORT" nomaster
	ip -n "$ns" link add lw0 type veth peer name lw1
	for dev in lw0 lw1; do
		ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off \
			gro off rx off >/dev/null 2>&1 || true
		ip netns exec "$ns" sysctl -qw \
			"net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null 2>&1 || true
		ip -n "$ns" link set "$dev" up
	done
	ip -n "$ns" link set lw1 master "$AK_BRIDGE"
	start_bg ip netns exec "$ns" "$AK_BUILD_ROOT/tools/lossy-wire/lossy-wire" \
		--a "$AK_CLIENT_PORT" --b lw0 "$@"
	LOSSY_PID=$BG_PID
}

# tcp_direct_serve PORT MODE: starts tcp-direct serving on the VF.
tcp_direct_serve() {
	local out=$TCP_TMP/serve.$1.out
	start_bg ip netns exec "$AK_NS_HOST" "$AK_BUILD_ROOT/tests/system/tcp/tcp-direct" \
		"$TCP_VF_DEV" "$TCP_VF_ADDR/24" serve "$1" "$2" >"$out" 2>&1
	TCP_SERVE_PID=$BG_PID
	wait_until 10 grep -q ready "$out" || fail "tcp-direct did not start: $(cat "$out")"
}

# tcp_direct_connect IP PORT BYTES MODE: runs tcp-direct as a client.
tcp_direct_connect() {
	ip netns exec "$AK_NS_HOST" timeout 300 \
		"$AK_BUILD_ROOT/tests/system/tcp/tcp-direct" \
		"$TCP_VF_DEV" "$TCP_VF_ADDR/24" connect "$@"
}

tcp_pattern() {
	"$AK_BUILD_ROOT/tests/system/tcp/tcp-direct" pattern "$1"
}

# tcp_direct_stop: ends the tcp-direct server so the VF is free again.
tcp_direct_stop() {
	kill "$TCP_SERVE_PID" 2>/dev/null || true
	wait "$TCP_SERVE_PID" 2>/dev/null || true
	# The kernel releases the AF_XDP socket of the VF asynchronously.
	sleep 0.5
}
