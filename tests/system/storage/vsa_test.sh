#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# VSAs through arrakisd, end to end: bytes written survive an arrakisd
# restart; growing keeps old data and the new space works; after a shrink,
# a new VSA that takes the released blocks reads zeros; another uid gets
# EACCES; a write past a VSA's end is refused by the library and by the
# bounded device, and the neighbouring VSA's blocks are unchanged; grants go
# away with the connection; a corrupt active copy of the extent table makes
# arrakisd fall back to the other copy, log it, and keep every VSA.
source "$(dirname "$0")/lib_storage.sh"

storage_setup $((256 * MIB))
daemon_start

note "create, write, restart, read back"
vsa create alpha $((4 * MIB))
vsa fill alpha 0 $((4 * MIB)) 0xa1
daemon_stop
daemon_start
vsa check alpha 0 $((4 * MIB)) 0xa1
assert_eq "size after restart" $((4 * MIB)) "$(vsa size alpha)"

note "grow past a neighbour: a second extent, old data intact"
vsa create beta $((4 * MIB))
vsa resize alpha $((8 * MIB))
assert_eq "size after grow" $((8 * MIB)) "$(vsa size alpha)"
read -r -a ext <<<"$(vsa_extents alpha)"
assert_eq "alpha's extents after grow" 2 "${#ext[@]}"
vsa check alpha 0 $((4 * MIB)) 0xa1
vsa fill alpha $((4 * MIB)) $((4 * MIB)) 0xb2
vsa check alpha $((4 * MIB)) $((4 * MIB)) 0xb2
released=${ext[1]}

note "shrink, then a new VSA takes the released blocks and reads zeros"
vsa resize alpha $((4 * MIB))
vsa check alpha 0 $((4 * MIB)) 0xa1
vsa create delta $((4 * MIB))
assert_eq "delta's extent is alpha's released one" "$released" "$(vsa_extents delta)"
vsa check delta 0 $((4 * MIB)) 0

note "another uid uses its own VSA, but cannot open, resize or delete alpha"
other() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CLIENT" "$SOCK" "$@" 2>/dev/null || true
}
assert_eq "uid 65534 creates its own" "" "$(other create nobody-vsa $MIB)"
assert_eq "uid 65534 opens its own" $MIB "$(other size nobody-vsa)"
vsa list | grep -q '^nobody-vsa 1048576 65534 0' || fail "owner not listed: $(vsa list)"
assert_eq "open by uid 65534" "error: EACCES" "$(other size alpha)"
assert_eq "resize by uid 65534" "error: EACCES" "$(other resize alpha $((8 * MIB)))"
assert_eq "delete by uid 65534" "error: EACCES" "$(other delete alpha)"

note "one container at a time: a second open of beta fails while one holds it"
hold_fifo=$(mktemp -u)
mkfifo "$hold_fifo"
on_cleanup rm -f "$hold_fifo" "$hold_fifo.out"
# The fifo is opened in the child, which would block this shell otherwise.
start_bg bash -c 'exec "$0" "$1" hold beta <"$2" >"$3"' \
	"$CLIENT" "$SOCK" "$hold_fifo" "$hold_fifo.out"
holder=$BG_PID
exec 7>"$hold_fifo"
wait_until 10 grep -q held "$hold_fifo.out" || fail "holder never opened beta"
assert_eq "second open while held" "error: EBUSY" "$(vsa size beta 2>/dev/null || true)"
exec 7>&-
wait "$holder" || fail "holder failed"
assert_eq "open after the holder left" $((4 * MIB)) "$(vsa size beta)"

note "a write past beta's end fails; delta, right after it, is unchanged"
assert_eq "beta ends where delta starts" \
	"$(($(vsa_extents beta | cut -d+ -f1) + 4 * MIB))" \
	"$(vsa_extents delta | cut -d+ -f1)"
vsa fill beta 0 $((4 * MIB)) 0xbe
vsa past-end beta | grep -q "device refused" || fail "past-end write was not refused"
vsa check delta 0 $((4 * MIB)) 0
vsa check beta 0 $((4 * MIB)) 0xbe

note "grants are released with the connection"
vsa list | awk '$4 != 0 { exit 1 }' || fail "a grant outlived its client: $(vsa list)"
vsa delete beta
vsa list | grep -q '^beta ' && fail "beta still listed"

note "a full log grows its VSA through arrakisd and keeps every record"
vsa create growlog $((256 * 1024))
"$WRITER" --socket "$SOCK" --vsa growlog --count 3000 >"$AK_DIR/acks" 2>/dev/null ||
	fail "the log writer failed"
assert_eq "acknowledged" 3000 "$(wc -l <"$AK_DIR/acks")"
grown=$(vsa size growlog)
((grown >= 2 * MIB)) || fail "the log's VSA did not grow: $grown bytes"
"$WRITER" --socket "$SOCK" --vsa growlog --min 2999 --count 1 >/dev/null \
	2>"$AK_DIR/writer.err" || fail "after growing: $(cat "$AK_DIR/writer.err")"
grep -q "recovered records 0..3000" "$AK_DIR/writer.err" ||
	fail "not every record recovered: $(cat "$AK_DIR/writer.err")"

note "arrakisctl vsas shows sizes, extents and owners"
ARRAKISCTL=$AK_BUILD_ROOT/tools/arrakisctl/arrakisctl
"$ARRAKISCTL" --socket "$SOCK" vsas >"$AK_DIR/vsas.txt"
grep -qE "^alpha +4194304 +0 +0 +[0-9]+\+4194304$" "$AK_DIR/vsas.txt" ||
	fail "alpha not listed as expected: $(cat "$AK_DIR/vsas.txt")"
grep -qE "^nobody-vsa +1048576 +65534 " "$AK_DIR/vsas.txt" ||
	fail "nobody-vsa's owner not listed: $(cat "$AK_DIR/vsas.txt")"
"$ARRAKISCTL" --socket "$SOCK" --json vsas | $PYTHON -c '
import json, sys
v = {x["name"]: x for x in json.load(sys.stdin)}
assert v["delta"]["size"] == 4 << 20, v["delta"]
assert v["delta"]["extents"][0]["length"] == 4 << 20, v["delta"]
assert v["nobody-vsa"]["owner_uid"] == 65534, v["nobody-vsa"]
assert "beta" not in v, v
' || fail "arrakisctl --json vsas"

note "corrupt the active copy of the extent table"
before=$(vsa list)
daemon_stop
printf '\xff\xff\xff\xff' | dd of="$STORE" bs=1 seek=80 conv=notrunc status=none
daemon_start
grep -q "copy 0 of the extent table is corrupt" "$AK_DIR/arrakisd.log" ||
	fail "no fallback logged: $(tail -5 "$AK_DIR/arrakisd.log")"
assert_eq "every VSA kept" "$before" "$(vsa list)"
vsa check alpha 0 $((4 * MIB)) 0xa1
vsa check delta 0 $((4 * MIB)) 0

daemon_stop
echo "PASS"
