#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A non-root uid cannot claim a port its policy does not allow (EACCES), nor
# a port another container holds (EADDRINUSE); arrakisctl shows why. It can
# open a VNIC and map its rings, and claim what the policy allows.
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd jq setpriv
testnet_setup "cp$$"
source "$(dirname "$0")/ctl_lib.sh"

cat >"$CTL_TMP/arrakisd.conf" <<CONF
[policy]
default = none
65534 = udp:5000-5999 tcp:8080
CONF
daemon_start --config "$CTL_TMP/arrakisd.conf"

as_nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups)

probe_start owner open grant udp:5000 ready rx 0
owner_pid=$PROBE_PID
owner_vnic=$(probe_field owner vnic 2)

: >"$CTL_TMP/greedy.out"
start_bg "${as_nobody[@]}" "$PROBE" "$CTL_SOCKET" greedy open grant udp:80 \
	grant tcp:8080 ready rx 0 >"$CTL_TMP/greedy.out" 2>"$CTL_TMP/greedy.err"
greedy_pid=$BG_PID
wait_until 10 grep -q '^ready' "$CTL_TMP/greedy.out" ||
	fail "greedy: $(cat "$CTL_TMP/greedy.out" "$CTL_TMP/greedy.err")"
: >"$CTL_TMP/thief.out"
start_bg "${as_nobody[@]}" "$PROBE" "$CTL_SOCKET" thief open \
	grant-on "$owner_vnic" udp:5000 grant udp:5000 ready rx 0 \
	>"$CTL_TMP/thief.out" 2>"$CTL_TMP/thief.err"
thief_pid=$BG_PID
wait_until 10 grep -q '^ready' "$CTL_TMP/thief.out" ||
	fail "thief: $(cat "$CTL_TMP/thief.out" "$CTL_TMP/thief.err")"

assert_eq "udp:80 for uid 65534" "grant udp:80 -13 EACCES" \
	"$(grep '^grant udp:80' "$CTL_TMP/greedy.out")"
assert_eq "tcp:8080 for uid 65534" "grant tcp:8080 0 OK" \
	"$(grep '^grant tcp:8080' "$CTL_TMP/greedy.out")"
assert_eq "owner's udp:5000" "grant udp:5000 -98 EADDRINUSE" \
	"$(grep '^grant udp:5000' "$CTL_TMP/thief.out" | head -1)"
assert_eq "udp:5000 on its own address" "grant udp:5000 0 OK" \
	"$(grep '^grant udp:5000' "$CTL_TMP/thief.out" | tail -1)"

why() {
	ctl_json containers ".[] | select(.name == \"$1\") | .last_error | \"\(.errno) \(.reason)\""
}
greedy_why=$(why greedy)
thief_why=$(why thief)
note "greedy: $greedy_why"
note "thief: $thief_why"
[[ "$greedy_why" == "EACCES policy: uid 65534 may claim udp:5000-5999 tcp:8080-8080"* ]] ||
	fail "arrakisctl does not say why greedy was refused: $greedy_why"
[[ "$thief_why" == "EADDRINUSE udp/5000 on VNIC $owner_vnic is held by container "*"'owner'" ]] ||
	fail "arrakisctl does not say why thief was refused: $thief_why"
"$ARRAKISCTL" --socket "$CTL_SOCKET" containers | grep -q "FILTER_ADD EADDRINUSE" ||
	fail "the table does not show the refusal"
assert_eq "uid of greedy" 65534 "$(ctl_json containers '.[] | select(.name == "greedy") | .uid')"

probe_stop greedy "$greedy_pid"
probe_stop thief "$thief_pid"
probe_stop owner "$owner_pid"
echo "ok: EACCES and EADDRINUSE for uid 65534, with reasons in arrakisctl"
