#!/bin/bash
# Control replies stay within the memory bound (issue 22, third round).
# The audit: with the FDB full (8,192 entries), a batch of 80 listFdb
# stalled the switch 3.7 s, cut all 6 tunnels and got no reply; one of
# 256 reached 252 MB against --maxmem 32 MiB.  Now a batch's results
# share one reply bound (CTL_REPLY_MAX, within the control connections'
# own memory bound): the ones past it are answered with an error, no
# tunnel is cut for them, and each listFdb is built once.
# Switch a (defaults: --maxmem 32 MiB, --fdbmax 8192) has a tap whose
# frames fill its FDB and 6 tunnels from switch b's client ports; then
# one batch of 256 listFdb (as root, on 127.0.0.1):
#  - an answer for each of the 256 ids: the entries, or an error that
#    says why;
#  - the switch's peak RSS (VmHWM) grows by less than --maxmem;
#  - the 6 tunnels stay up, nothing is cut or disconnected.
. "$(dirname "$0")/lib.sh"
need python3

ns a; ns b
link a b 10.90.0.1 10.90.0.2
# --fdbportmax 8192: the FDB is filled through one port (whose share is
# 2048 by default)
sw a --host 10.90.0.1 --fdbportmax 8192
sw b --fdbportmax 8192
for i in 1 2 3 4 5 6; do
	ctl b addport client ws://10.90.0.1/ >/dev/null || die "client port $i"
done
# the tunnels' TCP connections, seen from b (six parallel tunnels make
# loops that the switches' probes block, so a port's state is no measure)
nservers() { nsx b ss -Htn state established 'dport = :80' | grep -c .; }
check "6 tunnels up" wait_until 10 eval '[ "$(nservers)" = 6 ]'

ctl a addport tap 'ewb%d' >/dev/null || die "addport tap"
nsx a ip link set ewb0 up
# 9,000 source MACs from the tap, paced (the tap's queue drops a burst)
nsx a "$PY" - <<'PY'
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ewb0", 0))
for i in range(9000):
    src = bytes([2, 0x77, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255])
    try:
        s.send(b"\x02\x99\x99\x99\x99\x99" + src + b"\x08\x00" + b"\x00" * 46)
    except OSError:
        pass
    if i % 100 == 99:
        time.sleep(0.005)
PY
sleep 0.5
n=$(ctl a listfdb | tail -n +2 | grep -c .)
ge "the FDB is full (8192 entries)" "$n" 8192

kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SWPID_a/status"; }
rss0=$(kb VmRSS)
nsx a "$PY" - >"$TMP/batch.out" <<'PY'
import http.client, json
body = json.dumps([{"jsonrpc": "2.0", "method": "etherws.control.listFdb",
                    "id": i} for i in range(256)])
c = http.client.HTTPConnection("127.0.0.1", 7867, timeout=30)
c.request("POST", "/ctl", body)
r = json.loads(c.getresponse().read())
ids = sorted(x["id"] for x in r) if isinstance(r, list) else []
full = [x for x in r if "result" in x and len(x["result"]["entries"]) >= 8192]
errs = [x for x in r if "error" in x and x["error"].get("data")]
print("answers=%d ids_ok=%s full=%d errors=%d" % (len(r), ids == list(range(256)),
      len(full), len(errs)))
print(errs[0]["error"]["data"] if errs else "")
PY
hwm=$(kb VmHWM)
echo "# $(head -1 "$TMP/batch.out"); RSS before ${rss0} kB, peak ${hwm} kB"
echo "# error: $(sed -n 2p "$TMP/batch.out")"
check "an answer for each of the 256 requests" \
    grep -q "answers=256 ids_ok=True" "$TMP/batch.out"
full=$(sed -n '1s/.* full=\([0-9]*\).*/\1/p' "$TMP/batch.out")
errs=$(sed -n '1s/.* errors=\([0-9]*\).*/\1/p' "$TMP/batch.out")
check_eq "each answer is the full FDB or an error saying why (some full)" \
    "256 yes" "$(( ${full:-0} + ${errs:-0} )) $([ "${full:-0}" -ge 1 ] && echo yes)"
check "the error names the reply bound" grep -q "control reply bound" "$TMP/batch.out"
GROW_MAX_KB=32768			# --maxmem
[ -n "${EW_SANITIZER:-}" ] && GROW_MAX_KB=1048576	# ASan: redzones, quarantine
le "the switch's peak RSS grew by less than --maxmem (kB)" \
    $(( ${hwm:-999999} - ${rss0:-0} )) $GROW_MAX_KB
check_eq "the 6 tunnels are still up" 6 "$(nservers)"
check_not "nothing was cut for the batch" grep -q "memory bound reached" "$TMP/sw-a.log"
check_not "no tunnel went down" grep -q "disconnected" "$TMP/sw-a.log"
check "root is served after it" eval 'ctl a listport >/dev/null'
done_testing
