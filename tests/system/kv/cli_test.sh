#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# redis-cli against arrakis-kv on an Arrakis VNIC: commands given as
# arguments, an interactive session fed on stdin, and --pipe mass insertion
# of 100,000 commands with every reply accounted for.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../net/net_lib.sh"
source "$(dirname "$0")/kv_lib.sh"
require_root
require_cmd redis-cli
testnet_setup "kc$$"
kv_start none

assert_eq "PING" PONG "$(kv_cli PING)"
assert_eq "SET" OK "$(kv_cli SET greeting "hello world")"
assert_eq "GET" "hello world" "$(kv_cli GET greeting)"
assert_eq "unknown command" \
	"ERR unknown command 'NOSUCH', with args beginning with: 'x' " \
	"$(kv_cli NOSUCH x)"

# An interactive session: redis-cli reads the lines from stdin.
out=$(printf '%s\n' "SET counter 41" "INCR counter" "GET counter" \
	"EXPIRE counter 100" "TTL counter" "MSET a 1 b 2" "MGET a b nokey" \
	"CLIENT SETNAME cli" "CLIENT GETNAME" "SELECT 0" "DBSIZE" |
	kv_cli)
want=$(printf '%s\n' OK 42 42 1 100 OK 1 2 "" OK cli OK 4)
assert_eq "interactive session" "$want" "$out"

# Mass insertion: 100,000 SETs as RESP, then the server counts them.
net_tmp
"$PYTHON" -c '
import sys
out = sys.stdout.buffer
for i in range(100000):
    k, v = b"key:%d" % i, b"value:%d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
              % (len(k), k, len(v), v))
' >"$NET_TMP/mass.resp"
kv_cli --pipe <"$NET_TMP/mass.resp" >"$NET_TMP/pipe.out" 2>&1 ||
	fail "redis-cli --pipe: $(cat "$NET_TMP/pipe.out")"
grep -q "errors: 0, replies: 100000" "$NET_TMP/pipe.out" ||
	fail "redis-cli --pipe: $(cat "$NET_TMP/pipe.out")"
assert_eq "DBSIZE after --pipe" 100004 "$(kv_cli DBSIZE)"
assert_eq "a piped key" "value:99999" "$(kv_cli GET key:99999)"
kv_stop
echo "ok: redis-cli by arguments, interactively and with --pipe (100,000)"
