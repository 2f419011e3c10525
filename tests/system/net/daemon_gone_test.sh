#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# When arrakisd goes away (kill -9), the container and its VNIC go with it:
# a running arrakis-echo must notice within a second, say why and exit with
# an error instead of serving nothing. A restarted arrakisd then serves a
# new arrakis-echo, which answers ping.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/net_lib.sh"
require_root
require_cmd ping
have_daemon || skip "arrakisd or arrakis-echo is not built"
testnet_setup "dg$$"

echo_server_start plain 7
in_client ping -c 1 -W 2 "$ECHO_ADDR" >/dev/null || fail "no ping reply"

kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=

# The library checks the control connection four times a second.
wait_until 3 bash -c "! kill -0 $ECHO_PID" ||
	fail "arrakis-echo still runs 3 s after arrakisd died"
rc=0
wait "$ECHO_PID" || rc=$?
assert_eq "arrakis-echo exit status" 1 "$rc"
grep -q "arrakisd closed the control connection" "$ECHO_LOG" ||
	fail "arrakis-echo did not say why: $(cat "$ECHO_LOG")"

rm -f "$NET_TMP/control"
echo_server_start plain 7
in_client ping -c 2 -i 0.2 -W 2 "$ECHO_ADDR" >/dev/null ||
	fail "no ping reply after arrakisd restarted"
echo_server_stop
echo "ok: arrakis-echo left when arrakisd died, and a new one serves"
