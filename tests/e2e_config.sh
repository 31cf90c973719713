#!/bin/bash
# Persistent configuration (sw --config FILE).  Namespace s runs the
# switch under test; h and g run hub switches it tunnels to (h with
# --htpasswd, so the client port's password matters).  s starts with a
# file of two taps (one with address, netmask and MTU), a netdev port on
# a veth and a client port to h whose password is in a --pwfile: all
# four are there and up.  The file is edited (a tap goes, one comes, a
# client port to g comes, the first tap's MTU and the netdev's shut
# state change, the client port to h stays as it was) and SIGHUP
# applies it: the added ports appear, the removed one goes, the changes
# are made, and the untouched tunnel keeps its connection (showport's
# connects stays 1, same port number).  A file with an error - in its
# syntax, or a --pwfile that cannot be read on its last line - is
# refused whole with its line named, by ctl reload (exit 1), by SIGHUP
# (logged; the switch runs on) and at start (exit 2), and nothing of it
# is applied.  The file is the whole truth: a tap added with ctl since
# goes at the next SIGHUP; a client port whose --pwfile now holds another
# password is replaced (a new number; h answers 401) and again when the
# password is put back (up).  ctl dump prints the ports as a file, with no password
# in it (not even of a port added with ctl --passwd, whose line says
# so); fed back to a new switch, it reproduces the ports.
. "$(dirname "$0")/lib.sh"

ns s; ns h; ns g
link s h 10.61.0.2 10.61.0.1
link s g 10.62.0.2 10.62.0.1
VN=vnd$$
nsx s ip link add "$VN" type veth peer name "${VN}p" || die "veth in s"
nsx s ip link set "${VN}p" up

PW_A="alice-pw-$$-x7" PW_B="bob-pw-$$-q2" PW_C="carol-pw-$$-z9"
sha() { printf '%s' "$1" | $PY -c 'import sys, hashlib, base64
print(base64.b64encode(hashlib.sha1(sys.stdin.buffer.read()).digest()).decode())'; }
echo "alice:{SHA}$(sha "$PW_A")" >"$TMP/htpasswd"
mkdir -p "$TMP/etc"
printf '%s\n' "$PW_A" >"$TMP/etc/alice.pw"
printf '%s\n' "$PW_B" >"$TMP/bob.pw"

sw h --host 10.61.0.1 --port 8080 --htpasswd "$TMP/htpasswd"
sw g --host 10.62.0.1 --port 8080
URL_H=ws://10.61.0.1:8080/ URL_G=ws://10.62.0.1:8080/

CONF=$TMP/etc/etherws.conf
cat >"$CONF" <<EOF
# the switch under test
tap ethc0 --address 192.168.61.1 --netmask 255.255.255.0 --mtu 1400
tap ethc1
netdev $VN      # a veth end
client --user alice --pwfile alice.pw $URL_H
EOF

# "port type state target" of every port, sorted by port
ports() { ctl "$1" listport | awk 'NR > 1 { print $1, $2, $3, $6 }'; }
state_of() { ctl "$1" listport | awk -v t="$2" '$6 == t { print $3 }'; }
no_of() { ctl "$1" listport | awk -v t="$2" '$6 == t { print $1 }'; }
connects() { ctl "$1" showport "$2" | awk '$1 == "connects" { print $2 }'; }
has_dev() { nsx s ip link show "$1" >/dev/null 2>&1; }
# no port probing, blocked or down (shut is a state of its own)
settled() { ! ctl "$1" listport | grep -qE ' (probing|loop|silent|down) '; }
all_up() { ! ctl "$1" listport | awk 'NR > 1' | grep -vq ' up '; }

sw s --config "$CONF"
check "started with the file: 4 ports, all up" wait_until 10 all_up s
check_eq "they are the file's, in its order" \
    "1 tap up ethc0
2 tap up ethc1
3 netdev up $VN
4 client up $URL_H" "$(ports s)"
check "ethc0 has the file's address, netmask and MTU" \
    grep -qE "^  1 +tap +192\.168\.61\.1 +255\.255\.255\.0 +1400 +ethc0" \
    <<<"$(ctl s listif)"
check "ethc1 exists in the kernel" has_dev ethc1
check_eq "the tunnel to h connected once" 1 "$(connects s 4)"

# ---- edit + SIGHUP: only the difference
cat >"$CONF" <<EOF
tap ethc0 --address 192.168.61.1 --netmask 255.255.255.0 --mtu 1500
netdev $VN --shut
client --user alice --pwfile $TMP/etc/alice.pw $URL_H
tap ethc2
client $URL_G
EOF
kill -HUP "$SWPID_s"
check "after SIGHUP: the new tap ethc2 appears" \
    wait_until 5 has_dev ethc2
check "the new client port to g comes up" wait_until 10 \
    sh -c "ip netns exec $PFX-s $ETHERWS ctl listport | grep -q ' up .*$URL_G'"
check_not "the removed tap ethc1 is gone from the table" \
    grep -q ethc1 <<<"$(ctl s listport)"
check_not "... and from the kernel" has_dev ethc1
check_eq "the netdev port is shut" shut "$(state_of s "$VN")"
check "ethc0's MTU is now 1500" \
    grep -qE "^  1 +tap +192\.168\.61\.1 +255\.255\.255\.0 +1500 +ethc0" \
    <<<"$(ctl s listif)"
check_eq "the untouched client port keeps its number" 4 "$(no_of s "$URL_H")"
check_eq "... and its tunnel: connects still 1" 1 "$(connects s 4)"
check "the switch runs on after SIGHUP" \
    kill -0 "$SWPID_s"

# ---- a file with an error is refused whole, with its line
before=$(ports s)
cp "$CONF" "$TMP/good.conf"
{ echo "tap ethc3"; cat "$TMP/good.conf"; echo "tap ethc4 --mtu 99"; } >"$CONF"
out=$(ctl s reload 2>&1); rc=$?
check_eq "ctl reload of a bad file exits 1" 1 $rc
check "... naming line 7 and what is wrong" \
    grep -q "line 7: invalid --mtu 99" <<<"$out"
{ echo "tap ethc3"; cat "$TMP/good.conf"
  echo "client --user bob --pwfile $TMP/nonexistent.pw ws://10.62.0.1:8080/x"
} >"$CONF"
out=$(ctl s reload 2>&1); rc=$?
check_eq "a --pwfile that cannot be read: exit 1" 1 $rc
check "... naming line 7 and the file" \
    grep -q "line 7: cannot read $TMP/nonexistent.pw" <<<"$out"
kill -HUP "$SWPID_s"
check "SIGHUP with it: the error is logged with its line" \
    wait_until 5 grep -q "reload refused: --config $CONF: line 7" \
    "$TMP/sw-s.log"
check_eq "nothing of either was applied (ethc3 on line 1 neither)" \
    "$before" "$(ports s)"
check_not "no ethc3 in the kernel" has_dev ethc3
check_eq "the tunnel to h is still the first one" 1 "$(connects s 4)"
out=$(nsx s "$ETHERWS" sw --foreground --port 8999 --ctlport 7999 \
    --config "$CONF" 2>&1)
rc=$?
check_eq "a new switch with the bad file exits 2" 2 $rc
check "... saying --config FILE: line 7" \
    grep -q "etherws sw: error: --config $CONF: line 7: cannot read" <<<"$out"
cp "$TMP/good.conf" "$CONF"

# ---- the file is the whole truth; a changed password replaces a port
ctl s addport tap ethx9 >/dev/null || not_ok "addport tap ethx9"
old_h=$(no_of s "$URL_H")
printf '%s\n' "wrong-$PW_A" >"$TMP/etc/alice.pw"
kill -HUP "$SWPID_s"
check "SIGHUP: a tap added with ctl since, not in the file, goes" \
    wait_until 5 sh -c "! ip netns exec $PFX-s ip link show ethx9 >/dev/null 2>&1"
check "a new --pwfile content replaces the client port (new number)" \
    wait_until 5 sh -c "[ \"\$(ip netns exec $PFX-s $ETHERWS ctl listport |
        awk '\$6 == \"$URL_H\" { print \$1 }')\" -gt $old_h ]"
new_h=$(no_of s "$URL_H")
check "... which h refuses now (its password is wrong): 401, down" \
    wait_until 5 sh -c "ip netns exec $PFX-s $ETHERWS ctl showport $new_h |
        grep -q 'last_error .*401'"
check_eq "... and it stays down" down "$(state_of s "$URL_H")"
printf '%s\n' "$PW_A" >"$TMP/etc/alice.pw"
out=$(ctl s reload); rc=$?
check_eq "ctl reload with the right password again: exit 0" 0 $rc
check "... the port is replaced once more and comes up" wait_until 10 \
    sh -c "ip netns exec $PFX-s $ETHERWS ctl listport | grep -qE ' up .*$URL_H'"

# ---- dump -> a new switch with the same ports
no_g=$(no_of s "$URL_G")
ctl s delport "$no_g" >/dev/null
ctl s addport client --user bob --pwfile "$TMP/bob.pw" "$URL_G" >/dev/null ||
    not_ok "addport client --pwfile"
ctl s dump >"$TMP/dump1.conf"; rc=$?
check_eq "ctl dump exits 0" 0 $rc
check "the dump names alice's --pwfile" \
    grep -q "^client --user alice --pwfile $TMP/etc/alice.pw $URL_H\$" "$TMP/dump1.conf"
check "... and bob's, which ctl read" \
    grep -q "^client --user bob --pwfile $TMP/bob.pw $URL_G\$" "$TMP/dump1.conf"
check "... the taps with their settings, the netdev shut" \
    sh -c "grep -q '^tap ethc0 --address 192.168.61.1 --netmask 255.255.255.0 --mtu 1500\$' $TMP/dump1.conf &&
        grep -q '^netdev $VN .*--shut\$' $TMP/dump1.conf"
# a port added with --passwd: no file to name; its line says so
out=$(ctl s addport client --user carol --passwd "$PW_C" ws://10.62.0.1:8080 2>&1) ||
    echo "$out"
ctl s dump >"$TMP/dump2.conf"
check "a --passwd port's line asks for a file" \
    grep -q "password is not shown" "$TMP/dump2.conf"
check "... and its --pwfile is a placeholder" \
    grep -q "^client --user carol --pwfile PASSWORD-FILE ws://10.62.0.1:8080\$" "$TMP/dump2.conf"
check_not "no password in either dump" \
    grep -qE "$PW_A|$PW_B|$PW_C" "$TMP/dump1.conf" "$TMP/dump2.conf"
check_not "... nor in ctl dump --json" \
    grep -qE "$PW_A|$PW_B|$PW_C" <<<"$(ctl s --json dump)"
ctl s delport "$(no_of s ws://10.62.0.1:8080)" >/dev/null

# two tunnels to g made a loop for a while: wait until it is gone
check "the ports have settled" wait_until 10 settled s
want=$(ports s | awk '{ print $2, $3, $4 }')
kill "$SWPID_s"; wait_exit 5 "$SWPID_s"
check_not "the old switch and its taps are gone" has_dev ethc0
sw s --config "$TMP/dump1.conf"
check "the new switch's client ports come up" wait_until 15 \
    sh -c "[ \"\$(ip netns exec $PFX-s $ETHERWS ctl listport | grep -c ' up .*ws://')\" = 2 ]"
wait_until 10 settled s
check_eq "it has the same ports (type, state, target)" "$want" \
    "$(ports s | awk '{ print $2, $3, $4 }')"
check "ethc0 has its address and MTU again" \
    grep -qE "^  [0-9]+ +tap +192\.168\.61\.1 +255\.255\.255\.0 +1500 +ethc0" \
    <<<"$(ctl s listif)"
ctl s dump >"$TMP/dump3.conf"
check_eq "its dump is the same file" "$(cat "$TMP/dump1.conf")" \
    "$(cat "$TMP/dump3.conf")"
out=$(ctl s reload 2>&1); rc=$?
check_eq "ctl reload of an unchanged file: exit 0" 0 $rc
check "a switch without --config: reload says so" \
    sh -c "ip netns exec $PFX-h $ETHERWS ctl reload 2>&1 | grep -q 'started without --config'"

done_testing
