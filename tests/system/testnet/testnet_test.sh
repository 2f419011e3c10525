#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The test network: up, a ping from the client to the Linux container across
# the bridge, a refused second `up`, and `down` leaving no namespace, veth or
# bridge behind, also when the owner is killed (SIGTERM cleans up itself,
# SIGKILL is cleaned by `testnet reap`).
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd ip ping

name=tn$$

leftovers() {
	ip netns list | grep -c "^$1-" || true
}

# Counts interfaces of testnet NAME that are visible from the root namespace:
# there must never be any, since everything lives in the namespaces.
root_links_of() {
	ip -o link show | grep -c -E "client0|linux0|ak0" || true
}

root_links_before=$(root_links_of)
testnet_setup "$name"

assert_eq "namespaces after up" 3 "$(leftovers "$name")"
ip -n "$AK_NS_HOST" link show "$AK_BRIDGE" >/dev/null || fail "no bridge"
ip netns exec "$AK_NS_CLIENT" ping -c 3 -i 0.2 -W 1 "$AK_LINUX_ADDR" >/dev/null ||
	fail "ping $AK_LINUX_ADDR from $AK_NS_CLIENT"
assert_eq "links in root namespace" "$root_links_before" "$(root_links_of)"

# A second `up` of the same name fails and names what exists.
if msg=$("$TESTNET" up "$name" 2>&1); then
	fail "second up succeeded"
fi
[[ "$msg" == *"$name-host"* && "$msg" == *"$name-client"* ]] ||
	fail "second up message does not name the namespaces: $msg"

"$TESTNET" down "$name"
assert_eq "namespaces after down" 0 "$(leftovers "$name")"
"$TESTNET" down "$name" || fail "down of a missing testnet failed"
"$TESTNET" down "never$$" || fail "down of an unknown testnet failed"

# A testnet made by hand has no owner: reap leaves it alone.
on_cleanup "$TESTNET" down hand$$
env -u AK_TESTNET_OWNER "$TESTNET" up hand$$ >/dev/null
"$TESTNET" reap
assert_eq "hand-made testnet after reap" 3 "$(leftovers hand$$)"
"$TESTNET" down hand$$

# A test killed in the middle: SIGTERM runs its cleanup.
child_script=$(mktemp)
on_cleanup rm -f "$child_script"
cat >"$child_script" <<CHILD
source "$AK_SOURCE_ROOT/tests/system/lib.sh"
testnet_setup kt$$
# The sleeper lives in the testnet, as a server of a test would; bash runs
# its traps while it waits.
ip netns exec kt$$-host sleep 60 &
touch "$child_script.ready"
wait
CHILD
on_cleanup rm -f "$child_script.ready"
on_cleanup "$TESTNET" down kt$$

for sig in TERM KILL; do
	rm -f "$child_script.ready"
	bash "$child_script" &
	child=$!
	wait_until 20 test -e "$child_script.ready" || fail "child never brought its testnet up"
	assert_eq "namespaces of killed test before SIG$sig" 3 "$(leftovers kt$$)"
	kill -"$sig" "$child"
	wait "$child" 2>/dev/null || true
	# SIGKILL leaves no chance to clean up: the next test's reap does it.
	[[ "$sig" == KILL ]] && "$TESTNET" reap
	wait_until 5 test "$(leftovers kt$$)" -eq 0 ||
		fail "SIG$sig: namespaces of the killed test left: $(ip netns list | grep kt$$)"
done
echo "ok"
