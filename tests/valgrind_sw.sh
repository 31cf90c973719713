#!/bin/bash
# tests/valgrind_sw.sh - stands in for etherws (as $ETHERWS) under
# tests/valgrind.sh: "sw" runs under valgrind, anything else (ctl) runs
# plain.  Needs EW_VG_REAL (the real binary) and EW_VG_LOG (log dir).
#
# It stays the parent of valgrind and forwards TERM/INT/HUP, so a test
# that kills this PID stops the switch; if the test then kills this
# wrapper outright, valgrind still finishes its leak check and writes
# its log.  valgrind's PID goes to $EW_VG_LOG/pids, so that
# tests/valgrind.sh can wait for every log to be complete.
real=${EW_VG_REAL:?EW_VG_REAL not set}
log=${EW_VG_LOG:?EW_VG_LOG not set}
[ "${1:-}" = sw ] || exec "$real" "$@"

valgrind --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --child-silent-after-fork=yes \
    --log-file="$log/sw.%p.log" "$real" "$@" &
vg=$!
echo "$vg" >>"$log/pids"
trap 'kill -TERM "$vg" 2>/dev/null' TERM INT HUP
# wait returns early when a trapped signal arrives: wait again.
while :; do
	wait "$vg"
	rc=$?
	kill -0 "$vg" 2>/dev/null || break
done
exit "$rc"
