#!/bin/bash
. "$(dirname "$0")/lib.sh"
H=tests/hostile.py
ns q; ns p
link q p 10.9.1.1 10.9.1.2
ip netns exec $PFX-q prlimit --nofile=256:256 $ETHERWS sw --foreground --host 10.9.1.1 --port 8080 > $TMP/q.log 2>&1 &
qpid=$!; track_pid $qpid
wait_until 10 nsx q $ETHERWS ctl listport >/dev/null || { cat $TMP/q.log; die start; }
ip netns exec $PFX-p $PY $H slowloris 10.9.1.1 8080 350 $TMP/s.out $TMP/s &
spid=$!; track_pid $spid
wait_until 10 test -e $TMP/s.ready
sleep ${DELAY:-2}
[ -n "${CTL:-}" ] && nsx q timeout 5 $ETHERWS ctl listport
echo "fds $(ls /proc/$qpid/fd | wc -l)"
kill -TERM $qpid ${KILLS:+$spid}
wait $qpid; echo "exit status $?"
cat $TMP/q.log | head -60
done_testing
