#!/bin/bash
# tests/e2e_readme.sh - the README walkthrough runs as written: its shell
# block, taken from README.md with only the namespace names a and b made
# unique, runs in bash and prints what README.md shows after it (times,
# counters, MAC addresses and the FDB's order aside: tests/readme.py).
# It also checks that the README's test command is what .ci/run runs.
. "$(dirname "$0")/lib.sh"
need python3 ping

# the source tree's README (make check-asan runs in a tree of links to
# the sources, without README.md); ./etherws is the build's
SRC=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
R=$SRC/README.md
$PY tests/readme.py script $R "$PFX" >"$TMP/walk.sh" ||
    die "no walkthrough block in $R"
$PY tests/readme.py output $R >"$TMP/shown" || die "no output block in $R"
check "the walkthrough renames only namespaces" \
    grep -q "^ip netns add $PFX-a; ip netns add $PFX-b\$" "$TMP/walk.sh"
# lib.sh's cleanup removes them (and ends what runs there) if the
# walkthrough's own clean-up does not
NSS="$NSS $PFX-a $PFX-b"
timeout 60 bash "$TMP/walk.sh" >"$TMP/printed" 2>&1 </dev/null
check_eq "the walkthrough exits 0" 0 $?
$PY tests/readme.py normalize "$TMP/shown" >"$TMP/shown.n"
$PY tests/readme.py normalize "$TMP/printed" >"$TMP/printed.n"
if cmp -s "$TMP/shown.n" "$TMP/printed.n"; then
	ok "it prints what README.md shows"
else
	not_ok "it prints what README.md shows"
	diff -u "$TMP/shown.n" "$TMP/printed.n" | sed 's/^/#   /'
fi
check "its clean-up removed both namespaces" \
    sh -c "! ip netns list | grep -q '^$PFX-[ab]\\b'"

# The second command at the top of README.md is the one .ci/run runs.
cmd=$(sed -n '/^```sh$/,/^```$/p' $R | sed -n 3p)
check_eq "README's second command" \
    "scripts/install-deps.sh && make check" "$cmd"
check "and .ci/run runs it" grep -qxF "$cmd" "$SRC/.ci/run"
done_testing
