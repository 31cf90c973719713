#!/usr/bin/node
// peer_ws.js - node-ws WebSocket client for tests/e2e_peers.sh.
//
//   node peer_ws.js URL OUT SYNC MAC IP TAP_IP
//
// Connects to URL, waits <= 10 s for SYNC.fwd (the shell's word that the
// switch's new port has probed for loops and forwards), sends a broadcast
// ARP request for TAP_IP (source
// MAC/IP) as a binary message, waits <= 5 s for the unicast ARP reply,
// touches SYNC.ready, waits <= 15 s for SYNC.go, pings (payload checked
// on the Pong), closes with 1000.  Results: "key=value" lines appended
// to OUT; the shell test checks them.  Everything is bounded; the
// process exits on its own within 30 s.
'use strict';
const WebSocket = require('/usr/share/nodejs/ws');
const fs = require('fs');

const [url, out, sync, macS, ip, tapIp] = process.argv.slice(2);
const put = (k, v) => fs.appendFileSync(out, `${k}=${v}\n`);
const macB = (s) => Buffer.from(s.split(':').map((x) => parseInt(x, 16)));
const macStr = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ipB = (s) => Buffer.from(s.split('.').map(Number));
const ipStr = (b) => [...b].join('.');
const mac = macB(macS);
const PING = Buffer.from('node-ping\x00\x01\xfe\xff', 'latin1');

const overall = setTimeout(() => { put('overall', 'timeout'); process.exit(1); }, 30000);

function arpRequest() {
	const f = Buffer.alloc(42);
	f.fill(0xff, 0, 6);
	mac.copy(f, 6);
	f.writeUInt16BE(0x0806, 12);
	f.writeUInt16BE(1, 14);		// htype
	f.writeUInt16BE(0x0800, 16);	// ptype
	f[18] = 6; f[19] = 4;
	f.writeUInt16BE(1, 20);		// request
	mac.copy(f, 22);
	ipB(ip).copy(f, 28);
	ipB(tapIp).copy(f, 38);
	return f;
}

const ws = new WebSocket(url, { handshakeTimeout: 5000 });
let state = 'arp', other = 0, arpTimer = null, pingTimer = null, t0 = 0;

ws.on('upgrade', (res) => {
	put('resp_extensions', res.headers['sec-websocket-extensions'] || 'none');
});
ws.on('open', () => {
	put('connect', 'ok');
	put('local_port', ws._socket.localPort);
	const deadline = Date.now() + 10000;
	const iv = setInterval(() => {
		const fwd = fs.existsSync(sync + '.fwd');
		if (!fwd && Date.now() < deadline)
			return;
		clearInterval(iv);
		put('fwd', fwd ? 'go' : 'timeout');
		ws.send(arpRequest(), { binary: true });
		arpTimer = setTimeout(() => { put('reply', 'timeout'); afterArp(); }, 5000);
	}, 50);
});
ws.on('message', (data, isBinary) => {
	if (state !== 'arp')
		return;
	if (!isBinary) {
		put('got_text', 'yes');
		return;
	}
	const f = Buffer.from(data);
	if (f.length < 42 || f.readUInt16BE(12) !== 0x0806 || !f.subarray(0, 6).equals(mac)) {
		other++;
		return;
	}
	clearTimeout(arpTimer);
	put('reply', 'binary');
	put('reply_len', f.length);
	put('reply_dst', macStr(f.subarray(0, 6)));
	put('reply_src', macStr(f.subarray(6, 12)));
	put('reply_ethertype', f.subarray(12, 14).toString('hex'));
	put('reply_op', f.readUInt16BE(20));
	put('reply_sha', macStr(f.subarray(22, 28)));
	put('reply_spa', ipStr(f.subarray(28, 32)));
	put('reply_tha', macStr(f.subarray(32, 38)));
	put('reply_tpa', ipStr(f.subarray(38, 42)));
	afterArp();
});

function afterArp() {
	state = 'sync';
	put('other_frames', other);
	fs.closeSync(fs.openSync(sync + '.ready', 'w'));
	const deadline = Date.now() + 15000;
	const iv = setInterval(() => {
		const go = fs.existsSync(sync + '.go');
		if (!go && Date.now() < deadline)
			return;
		clearInterval(iv);
		put('sync', go ? 'go' : 'timeout');
		state = 'ping';
		ws.ping(PING);
		pingTimer = setTimeout(() => { put('pong', 'timeout'); closeNow(); }, 3000);
	}, 50);
}

ws.on('pong', (data) => {
	if (state !== 'ping')
		return;
	clearTimeout(pingTimer);
	put('pong', Buffer.from(data).equals(PING) ? 'same-payload' :
	    'different:' + Buffer.from(data).toString('hex'));
	closeNow();
});

function closeNow() {
	state = 'close';
	t0 = Date.now();
	ws.close(1000);
}

ws.on('close', (code) => {
	// code: the one in the peer's Close (1005 none, 1006 no Close).
	put('close_code', code);
	if (t0)
		put('close_prompt', Date.now() - t0 < 1500 ? 'yes' : `no:${Date.now() - t0}ms`);
	clearTimeout(overall);
	process.exit(0);
});
ws.on('error', (e) => put('error', String(e.message).replace(/\n/g, ' ')));
