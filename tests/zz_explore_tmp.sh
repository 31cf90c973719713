#!/bin/bash
. "$(dirname "$0")/lib.sh"
H=tests/hostile.py
ns q; ns p
link q p 10.9.1.1 10.9.1.2
ip netns exec $PFX-q prlimit --nofile=256:256 gdb -q -batch -ex 'handle SIGTERM nostop noprint pass' -ex run -ex bt -ex 'info locals' --args $ETHERWS sw --foreground --host 10.9.1.1 --port 8080 > $TMP/gdb.log 2>&1 &
track_pid $!
wait_until 10 nsx q $ETHERWS ctl listport || { cat $TMP/gdb.log; die start; }
ip netns exec $PFX-p $PY $H slowloris 10.9.1.1 8080 350 $TMP/s.out $TMP/s &
track_pid $!
wait_until 10 test -e $TMP/s.ready
sleep 2
pid=$(pgrep -f "^$ETHERWS sw --foreground --host 10.9.1.1" | head -1)
echo "inferior $pid fds $(ls /proc/$pid/fd | wc -l)"
kill -TERM $pid
sleep 3
cat $TMP/gdb.log
done_testing
