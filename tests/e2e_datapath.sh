#!/bin/bash
# Data path regression, for ws:// and wss:// alike: every optimisation of
# the tunnel data path, checked functionally (nothing here is a timing
# assertion).
#  1. bulk:  2000 frames (60..1514, jumbo 9000, 7 oversize messages that
#            must be dropped, pings) in ONE send: many frames per read;
#  2. split: the same stream in 1..3000-byte pieces with tiny sleeps and
#            forced cuts inside the 2-byte header, the 16/64-bit length
#            and the mask key (wss: one TLS record per piece, records cut
#            across TCP sends): a partial frame kept for the next read;
#  3. batch: the switch is stopped, 2000 frames wait on its tap, it is
#            continued: in order, and at least one recv() (ws) / TLS
#            record (wss) carries more than one frame;
#  4. ovf:   a peer that does not read while 20000 frames are injected:
#            tail drop (tx_dropped > 0, tx + tx_dropped == tap rx), then
#            a well-formed, strictly increasing stream of exactly tx
#            frames once it reads again;
#  5. frag:  a message in 3 fragments with a Ping in between -> one frame
#            on the tap and a Pong;
#  6. tail:  bursts of 50..125 jumbo frames, one write each: the whole
#            burst reaches the tap with no later bytes from the peer
#            (nothing left where epoll cannot see it, e.g. plaintext in
#            the TLS engine when the read budget runs out).
# Namespaces: w (ws switch, tap ewd0), t (wss switch, tap ewd0), p (the
# peer's TCP end, via veth).  tests/datapath.py runs in the switch's
# namespace (packet sockets on the tap, JSON-RPC listPort) and makes its
# WebSocket socket in p.  kv, expect_kv: lib.sh.
# run: first (tests/run -j: a long one, ws:// and wss:// paths)
. "$(dirname "$0")/lib.sh"
need python3 openssl

N=2000			# frames in bulk/split/batch
BURST=20000		# frames injected in ovf
NOVER=7			# oversize messages in bulk/split (datapath.py)

ns w; ns t; ns p
link w p 10.9.1.1 10.9.1.2
link t p 10.9.2.1 10.9.2.2
for n in w t; do	# a quiet tap: no IPv6 chatter
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
openssl req -x509 -new -nodes -newkey rsa:2048 -days 2 -subj /CN=10.9.2.1 \
    -addext subjectAltName=IP:10.9.2.1 -keyout "$TMP/key.pem" \
    -out "$TMP/cert.pem" >/dev/null 2>&1 || die "openssl"
# No storm control: 20000 broadcasts in a burst are the point here.
sw w --host 10.9.1.1 --port 8080 --stormlimit 0
sw t --host 10.9.2.1 --port 8443 --stormlimit 0 \
    --sslkey "$TMP/key.pem" --sslcert "$TMP/cert.pem"
for n in w t; do
	ctl $n addport tap 'ewd%d' >/dev/null || die "addport tap in $n"
	# jumbo frames; a tun ring that holds a whole burst (tun drops on a
	# full ring instead of pushing back)
	nsx $n ip link set ewd0 mtu 9000 txqueuelen 30000 ||
	    die "ip link set ewd0 in $n"
done

# run SCHEME NS PORT SUBNET
run() {
	local s=$1 n=$2 port=$3 net=$4 o=$TMP/$1.out pid
	eval "pid=\$SWPID_$n"
	local t0=$(date +%s)
	nsx $n timeout 50 $PY tests/datapath.py "$s://10.9.$net.1:$port/" "$o" \
	    --peer-netns "/run/netns/$PFX-p" --peer-ip 10.9.$net.2 \
	    --tap ewd0 --swpid "$pid" --n $N --burst $BURST
	echo "# $s: datapath.py took $(( $(date +%s) - t0 )) s"
	[ -n "$(kv "$o" bulk_tls)" ] && echo "# $s: $(kv "$o" bulk_tls)"

	for sc in bulk split; do
		expect_kv "$o" ${sc}_done yes "$s $sc: ran to the end"
		expect_kv "$o" ${sc}_tap_frames $N "$s $sc: $N frames on the tap"
		expect_kv "$o" ${sc}_tap_missing 0 "$s $sc: none missing"
		expect_kv "$o" ${sc}_tap_dups 0 "$s $sc: none twice"
		expect_kv "$o" ${sc}_tap_unexpected 0 "$s $sc: no oversize message delivered"
		expect_kv "$o" ${sc}_tap_order ok "$s $sc: in order"
		expect_kv "$o" ${sc}_tap_content ok "$s $sc: byte-exact"
		expect_kv "$o" ${sc}_port_rx $((N + NOVER)) "$s $sc: port rx counts every message"
		expect_kv "$o" ${sc}_port_rx_dropped $NOVER "$s $sc: the oversize ones as rx_dropped"
		expect_kv "$o" ${sc}_tap_tx_delta $N "$s $sc: tap tx grew by $N"
		expect_kv "$o" ${sc}_pongs ok \
		    "$s $sc: pings in the stream answered in order, the latest always"
		expect_kv "$o" ${sc}_stream_error none "$s $sc: server frames well-formed"
		expect_kv "$o" ${sc}_port_gone yes "$s $sc: port gone after Close"
	done
	echo "# $s split: $(kv "$o" split_pieces) pieces," \
	    "cuts hdr2=$(kv "$o" split_cuts_hdr2) len16=$(kv "$o" split_cuts_len16)" \
	    "len64=$(kv "$o" split_cuts_len64) mask=$(kv "$o" split_cuts_mask)" \
	    "in $(kv "$o" split_send_s) s"
	check "$s split: cuts inside the 16-bit and 64-bit lengths happened" \
	    [ "$(kv "$o" split_cuts_len16)" -gt 0 -a "$(kv "$o" split_cuts_len64)" -gt 0 ]

	expect_kv "$o" batch_done yes "$s batch: ran to the end"
	expect_kv "$o" batch_sigstop yes "$s batch: switch stopped while the tap filled"
	expect_kv "$o" batch_frames $N "$s batch: $N frames reached the peer"
	expect_kv "$o" batch_order ok "$s batch: each once, in order"
	expect_kv "$o" batch_content ok "$s batch: byte-exact"
	expect_kv "$o" batch_stream_error none "$s batch: stream well-formed"
	expect_kv "$o" batch_tap_rx_delta $N "$s batch: tap rx grew by $N"
	expect_kv "$o" batch_port_tx $N "$s batch: port tx = $N"
	expect_kv "$o" batch_port_tx_dropped 0 "$s batch: nothing dropped"
	echo "# $s batch: $(kv "$o" batch_recvs) recv() calls," \
	    "$(kv "$o" batch_frames_per_recv_avg) frames per recv() on average," \
	    "max $(kv "$o" batch_frames_per_recv_max)"
	if [ $s = ws ]; then
		expect_kv "$o" batch_multi_frame_recv yes "$s batch: some recv() carried several frames"
	else
		echo "# $s batch: $(kv "$o" batch_tls_records) TLS records," \
		    "max $(kv "$o" batch_frames_per_record_max) frames in one"
		expect_kv "$o" batch_multi_frame_record yes "$s batch: some TLS record carried several frames"
	fi

	expect_kv "$o" ovf_done yes "$s ovf: ran to the end"
	expect_kv "$o" ovf_tap_rx_delta $BURST "$s ovf: the switch read all $BURST frames from the tap"
	expect_kv "$o" ovf_dropped_some yes "$s ovf: tx_dropped > 0 ($(kv "$o" ovf_port_tx_dropped))"
	expect_kv "$o" ovf_tx_plus_dropped_eq_tap_rx yes "$s ovf: tx + tx_dropped == tap rx"
	expect_kv "$o" ovf_marker seen "$s ovf: reading again, the stream goes on"
	ge "$s ovf: loop probes queued while the queue was full arrive" \
	    "$(kv "$o" ovf_late_probes)" 2
	expect_kv "$o" ovf_read_eq_tx yes "$s ovf: exactly tx ($(kv "$o" ovf_port_tx)) less codel_dropped ($(kv "$o" ovf_codel_dropped)) frames arrive"
	expect_kv "$o" ovf_increasing yes "$s ovf: sequence strictly increasing"
	expect_kv "$o" ovf_bad_frames 0 "$s ovf: every frame binary, FIN, byte-exact"
	expect_kv "$o" ovf_stream_error none "$s ovf: stream well-formed"

	expect_kv "$o" frag_done yes "$s frag: ran to the end"
	expect_kv "$o" frag_tap_frames 2 "$s frag: 2 fragmented messages -> 2 frames"
	expect_kv "$o" frag_tap_dups 0 "$s frag: each once"
	expect_kv "$o" frag_tap_content ok "$s frag: reassembled byte-exact"
	expect_kv "$o" frag_pongs ok "$s frag: interleaved pings answered (the latest always)"
	expect_kv "$o" frag_port_rx 2 "$s frag: port rx counts messages, not fragments"
	expect_kv "$o" frag_port_rx_dropped 0 "$s frag: nothing dropped"
	expect_kv "$o" tail_done yes "$s tail: ran to the end"
	expect_kv "$o" tail_stall_list none \
	    "$s tail: every burst arrives whole without later traffic ($(kv "$o" tail_bursts) bursts)"
	expect_kv "$o" tail_port_gone yes "$s tail: port gone after Close"
	check "$s: switch still running" kill -0 "$pid"
}

run ws w 8080 1
run wss t 8443 2

if [ "$T_FAIL" -gt 0 ]; then
	for f in "$TMP/ws.out" "$TMP/wss.out" "$TMP/sw-w.log" "$TMP/sw-t.log"; do
		echo "# $(basename "$f"):"; sed 's/^/#   /' "$f" 2>/dev/null
	done
fi
done_testing
