#!/bin/bash
# tests/valgrind.sh [E2E_SCRIPT] - run one end-to-end test with every
# "etherws sw" under valgrind (through tests/valgrind_sw.sh), then wait
# for each valgrind to exit and check its log: no errors, no definite
# leaks ("still reachable" is fine).  Logs: tests/log/valgrind/.
# Without valgrind: one SKIP line and exit 77 (make check-valgrind passes
# it on as a skip), except under CI=true, where that is a failure.
cd "$(dirname "$0")/.." || exit 2
if ! command -v valgrind >/dev/null 2>&1; then
	case ${CI:-} in
	true|1)	echo "FAIL: valgrind not installed (apt-get install valgrind;" \
		    "CI=true: a missing prerequisite is a failure)"
		exit 1 ;;
	esac
	echo "SKIP check-valgrind: valgrind not installed (apt-get install valgrind)"
	exit 77
fi
script=${1:-tests/e2e_two_switches.sh}
log=$PWD/tests/log/valgrind
rm -rf "$log"
mkdir -p "$log"
: >"$log/pids"

echo "== $script with sw under valgrind"
EW_VG_REAL=$PWD/etherws EW_VG_LOG=$log ETHERWS=$PWD/tests/valgrind_sw.sh \
    "$script" >"$log/test.log" 2>&1
trc=$?
sed 's/^/    | /' "$log/test.log"

# running PID: alive and not a zombie
running() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
	return 0
}
# The test should have stopped them; give valgrind time for its leak
# check (60 s), then TERM, then KILL.
for p in $(cat "$log/pids"); do
	for i in $(seq 600); do running "$p" || break; sleep 0.1; done
	if running "$p"; then
		echo "valgrind $p still running: TERM"
		kill -TERM "$p" 2>/dev/null
		for i in $(seq 300); do running "$p" || break; sleep 0.1; done
	fi
	if running "$p"; then
		echo "valgrind $p still running: KILL"
		kill -KILL "$p" 2>/dev/null
		trc=1
	fi
done

rc=0
n=0
for p in $(cat "$log/pids"); do
	f=$log/sw.$p.log
	n=$((n + 1))
	if [ ! -s "$f" ]; then
		echo "FAIL: no valgrind log $f"; rc=1; continue
	fi
	if ! grep -q 'ERROR SUMMARY: 0 errors' "$f" ||
	    grep -Eq 'definitely lost: [1-9]' "$f"; then
		echo "FAIL: valgrind found problems, $f:"
		sed 's/^/    | /' "$f"
		rc=1
	else
		echo "ok - valgrind: 0 errors, no definite leaks: $(basename "$f") ($(grep -E \
		    'in use at exit|All heap blocks' "$f" | sed 's/^==[0-9]*== *//'))"
	fi
done
if [ "$n" -eq 0 ]; then
	echo "FAIL: no switch ran under valgrind"; rc=1
fi
if [ "$trc" -ne 0 ]; then
	echo "FAIL: $script failed under valgrind (exit $trc)"; rc=1
fi
[ "$rc" -eq 0 ] && echo "check-valgrind: $n switch process(es) clean"
exit "$rc"
