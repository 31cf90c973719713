#!/bin/bash
. "$(dirname "$0")/lib.sh"
H=tests/hostile.py
ns s; ns p; ns h1; ns h2
link s p 10.9.0.1 10.9.0.2
sw s --host 10.9.0.1 --port 8080 --ctlhost 0.0.0.0
ctl s addport tap 'ewh%d' >/dev/null; ctl s addport tap 'ewh%d' >/dev/null
ip -n $PFX-s link set ewh0 netns $PFX-h1; ip -n $PFX-s link set ewh1 netns $PFX-h2
nsx h1 ip addr add 192.168.90.1/24 dev ewh0; nsx h1 ip link set ewh0 up
nsx h2 ip addr add 192.168.90.2/24 dev ewh1; nsx h2 ip link set ewh1 up
nsx h1 ping -c 2 -q 192.168.90.2 >/dev/null
cpu() { awk '{print $14+$15}' /proc/$SWPID_s/stat; }
srx() { ip netns exec $PFX-s $PY $H rpc 127.0.0.1 7867 listPort | jq '[.result.entries[] | select(.type=="server") | .rx] | add // 0'; }
N=200000
for D in ${DS:-200000 8000}; do
c0=$(cpu); t0=$(date +%s.%N)
nsx p $PY $H macflood 10.9.0.1 8080 $N $TMP/m$D.out $TMP/m$D $D &
sleep 0.5
nsx h1 ping -c 10 -i 0.2 -W 3 -q 192.168.90.2 | tail -2
wait_until 60 test -e $TMP/m$D.ready
for i in $(seq 600); do [ "$(srx)" -ge $N ] && break; sleep 0.1; done
t1=$(date +%s.%N); c1=$(cpu)
echo "D=$D N=$N wall=$(echo "$t1 - $t0" | bc) cpu_ticks=$((c1-c0))"; cat $TMP/m$D.out
touch $TMP/m$D.go; sleep 1
done
done_testing
