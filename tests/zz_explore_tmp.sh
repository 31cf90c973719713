#!/bin/bash
. "$(dirname "$0")/lib.sh"
H=tests/hostile.py
ns s; ns p
link s p 10.9.0.1 10.9.0.2
sw s --host 10.9.0.1 --port 8080 --ctlhost 0.0.0.0
nsx p $PY $H slowloris 10.9.0.1 8080 4200 $TMP/slow.out $TMP/slow &
track_pid $!
wait_until 30 test -e $TMP/slow.ready
echo "fds $(ls /proc/$SWPID_s/fd | wc -l)"
time ctl s listport
time nsx p $PY $H rpc 10.9.0.1 7867 listPort
sleep 12
cat $TMP/slow.out
done_testing
