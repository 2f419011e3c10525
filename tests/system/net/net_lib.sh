# SPDX-License-Identifier: MIT
#
# Shared by the network system tests: starts an echo server on an Arrakis
# VNIC in this test's testnet. With arrakisd and arrakis-echo built, the
# daemon runs in $AK_NS_HOST with its own socket and state directory and
# arrakis-echo asks it for the VNIC; otherwise (a tree without the control
# plane) echo-direct opens the AF_XDP socket itself on a veth it adds to the
# bridge, so the same driver and stack are exercised.
#
#   echo_server_start MODE PORT   MODE is sockperf or plain; sets ECHO_PID,
#                                 ECHO_ADDR, ECHO_LOG and ECHO_STATS (JSON)
#   echo_server_stop              stops it; it must exit with status 0
#   echo_stats_refresh            asks the server to rewrite ECHO_STATS
#   echo_stat PATH                a value from ECHO_STATS (python path, e.g.
#                                 "['stack']['drops']['ip_csum']")

ARRAKISD=$AK_BUILD_ROOT/control/arrakisd
ARRAKIS_ECHO=$AK_BUILD_ROOT/apps/echo/arrakis-echo
ECHO_DIRECT=$AK_BUILD_ROOT/tests/system/net/echo-direct
NET_TMP=
DAEMON_PID=

net_tmp() {
	if [[ -z "$NET_TMP" ]]; then
		NET_TMP=$(mktemp -d "/tmp/ak-net-test.$$.XXXXXX")
		on_cleanup "rm -rf '$NET_TMP'"
	fi
}

have_daemon() {
	[[ -x "$ARRAKISD" && -x "$ARRAKIS_ECHO" ]]
}

daemon_start() {
	[[ -n "$DAEMON_PID" ]] && return 0
	net_tmp
	mkdir -p "$NET_TMP/state"
	start_bg ip netns exec "$AK_NS_HOST" "$ARRAKISD" \
		--socket "$NET_TMP/control" --state-dir "$NET_TMP/state" \
		>"$NET_TMP/arrakisd.log" 2>&1
	DAEMON_PID=$BG_PID
	wait_until 10 test -S "$NET_TMP/control" ||
		fail "arrakisd did not start: $(cat "$NET_TMP/arrakisd.log")"
}

# A veth in the host namespace, one end on the bridge, as arrakisd would
# make it; echo-direct binds the other end.
direct_vf() {
	local vf=$1 d
	ip -n "$AK_NS_HOST" link add "$vf" type veth peer name "${vf}p"
	ip -n "$AK_NS_HOST" link set "${vf}p" master "$AK_BRIDGE"
	for d in "$vf" "${vf}p"; do
		ip netns exec "$AK_NS_HOST" ethtool -K "$d" tx off tso off \
			gso off gro off rx off >/dev/null 2>&1 || true
		ip netns exec "$AK_NS_HOST" sysctl -qw \
			"net.ipv6.conf.$d.disable_ipv6=1"
		ip -n "$AK_NS_HOST" link set "$d" up
	done
}

ECHO_SERVERS=0

echo_server_start() {
	local mode=$1 port=$2 log extra=()
	net_tmp
	ECHO_SERVERS=$((ECHO_SERVERS + 1))
	ECHO_STATS=$NET_TMP/stats.$ECHO_SERVERS.json
	log=$NET_TMP/echo.$ECHO_SERVERS.log
	ECHO_LOG=$log
	if have_daemon; then
		daemon_start
		[[ "$mode" == plain ]] && extra=(--plain)
		start_bg "$ARRAKIS_ECHO" --socket "$NET_TMP/control" \
			--name "echo$ECHO_SERVERS" --udp "$port" "${extra[@]}" \
			--stats "$ECHO_STATS" >"$log" 2>&1
		ECHO_PID=$BG_PID
		wait_until 10 grep -q "^arrakis-echo: udp" "$log" ||
			fail "arrakis-echo did not start: $(cat "$log")"
		ECHO_ADDR=$(sed -n 's/^arrakis-echo: udp \([0-9.]*\):.*/\1/p' "$log")
	else
		note "arrakisd is not built: echo-direct opens the VNIC itself"
		ECHO_ADDR=198.18.0.$((100 + ECHO_SERVERS))
		direct_vf "vf$ECHO_SERVERS"
		start_bg ip netns exec "$AK_NS_HOST" "$ECHO_DIRECT" \
			"vf$ECHO_SERVERS" "$ECHO_ADDR/24" "$port" "$mode" \
			"$ECHO_STATS" >"$log" 2>&1
		ECHO_PID=$BG_PID
		wait_until 10 grep -q "^echo-direct: ready" "$log" ||
			fail "echo-direct did not start: $(cat "$log")"
	fi
	note "echo server pid $ECHO_PID at $ECHO_ADDR:$port ($mode)"
}

echo_stats_refresh() {
	local before=
	[[ -f "$ECHO_STATS" ]] && before=$(stat -c %Y.%s "$ECHO_STATS")
	rm -f "$ECHO_STATS"
	kill -USR1 "$ECHO_PID"
	wait_until 5 test -s "$ECHO_STATS" || fail "no stats from $ECHO_PID"
}

echo_stat() {
	"$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))$1)" \
		"$ECHO_STATS"
}

in_client() {
	ip netns exec "$AK_NS_CLIENT" "$@"
}

# echo_server_stop: SIGTERM, and the server must exit cleanly (under the
# sanitizers, a leak or memory error makes the exit status non-zero).
echo_server_stop() {
	local rc=0
	kill -TERM "$ECHO_PID"
	wait "$ECHO_PID" || rc=$?
	((rc == 0)) || tail -40 "$ECHO_LOG" >&2
	assert_eq "echo server exit status" 0 "$rc"
}
