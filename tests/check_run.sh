#!/bin/sh
# tests/check_run.sh - tests/run itself, on made-up tests in a scratch
# tree: -j N runs at most N at a time, a "# run: alone" test runs with
# no other, a "# run: first" one starts before the others, the lines come in the listed order whatever order the tests
# end in, PASS/FAIL/SKIP and the summary line are those of a serial run,
# and the exit status says whether one failed.
# Prints "ok"/"not ok" lines and "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; printf '    expected: %s\n    actual:   %s\n' "$2" "$3"
	fi
}
tmp=$(mktemp -d /tmp/etherws-checkrun.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tests" "$tmp/state"
cp tests/run "$tmp/tests/run"

# fake NAME SECONDS STATUS [alone|first]: a test that notes how many
# tests run beside it (state/max.NAME), whether an "alone" one was among
# them (state/clash) and which started before it (state/before.NAME),
# sleeps, and exits STATUS
fake() {
	{
		echo '#!/bin/sh'
		[ "${4:-}" = alone ] && echo '# run: alone (check_run)'
		[ "${4:-}" = first ] && echo '# run: first (check_run)'
		echo "S=$tmp/state"
		cat <<'EOF'
n=$(basename "$0")
mkdir "$S/run.$n"
ls "$S" | sed -n 's/^started\.//p' >"$S/before.$n"
: >"$S/started.$n"
others=$(ls "$S" | grep -c '^run\.')
ls "$S" | grep '^run\.' | grep -v "^run\.$n\$" | grep -q alone && echo "$n" >>"$S/clash"
EOF
		[ "${4:-}" = alone ] && echo '[ "$others" -eq 1 ] || echo "$n" >>"$S/clash"'
		echo 'echo "$others" >"$S/max.$n"'
		echo "sleep $2"
		echo 'rmdir "$S/run.$n"'
		[ "$3" = 77 ] && echo 'echo "1..0 # SKIP made up"'
		echo "exit $3"
	} >"$tmp/tests/$1"
	chmod +x "$tmp/tests/$1"
}
# in listed (glob) order; the first ones take longest, so they end last
fake e2e_a.sh 2.0 0
fake e2e_b.sh 1.6 0
fake e2e_c_alone.sh 0.3 0 alone
fake e2e_d.sh 1.2 1
fake e2e_e.sh 0.1 77
fake e2e_f_alone.sh 0.3 0 alone
fake e2e_g.sh 0.2 0
fake e2e_h.sh 0.1 0
fake e2e_i_first.sh 0.4 0 first

lines() { grep -E '^(PASS|FAIL|SKIP) |passed,' | sed 's/ ([0-9]*s)//'; }
"$tmp/tests/run" >"$tmp/serial.out" 2>&1
rc1=$?
rm -rf "$tmp/state"/*
"$tmp/tests/run" -j 3 >"$tmp/par.out" 2>&1
rc3=$?
want="PASS e2e_a.sh
PASS e2e_b.sh
PASS e2e_c_alone.sh
FAIL e2e_d.sh
SKIP e2e_e.sh (made up)
PASS e2e_f_alone.sh
PASS e2e_g.sh
PASS e2e_h.sh
PASS e2e_i_first.sh
7 passed, 1 failed, 1 skipped"
check_eq "serial: lines and summary" "$want" "$(lines <"$tmp/serial.out")"
check_eq "-j 3: the same lines in the same order" "$want" "$(lines <"$tmp/par.out")"
check_eq "serial: exit status 1 (a test failed)" 1 "$rc1"
check_eq "-j 3: exit status 1 (a test failed)" 1 "$rc3"
max=$(cat "$tmp"/state/max.* 2>/dev/null | sort -n | tail -n 1)
check_eq "-j 3: three tests at a time at most, and three at once" 3 "${max:-0}"
check_eq "-j 3: an alone test ran with no other" "" \
    "$(cat "$tmp/state/clash" 2>/dev/null)"
check_eq "-j 3: the 'first' one started before the shared ones it follows" \
    e2e_i_first.sh "$(grep -x e2e_i_first.sh "$tmp/state/before.e2e_d.sh")"
check_eq "-j 3: nothing left running" "" "$(ls "$tmp/state" | grep '^run\.')"
check_eq "-j 3: no state left in tests/log" "" "$(ls -A "$tmp/tests/log" | grep '^\.run')"
rm -rf "$tmp/state"/*
"$tmp/tests/run" -j 3 e2e_a >"$tmp/one.out" 2>&1
check_eq "-j 3 PATTERN: only the matching test" "PASS e2e_a.sh
1 passed, 0 failed, 0 skipped" "$(lines <"$tmp/one.out")"
"$tmp/tests/run" -j x >/dev/null 2>&1
check_eq "-j x: a usage error (exit 2)" 2 "$?"

echo "check_run: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
