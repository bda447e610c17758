#!/usr/bin/env node
// bench/mqttjs/load.js: MQTT.js publishers and subscriber for bench/load.sh. MQTT.js is the client inside
// Node-RED and leaves Nagle's algorithm on; that is the point: we measure what such a subscriber gets.
//
//   node load.js sub --url mqtt://HOST:PORT --topic 'load/#' --qos 1 --idle 3s --max-time 60s [--timeline 100ms]
//   node load.js pub --url mqtt://HOST:PORT --publishers 4 --qos 1 --rate 30000 --duration 10s --size 120
//   node load.js rawpub ... (same options as pub: the same load from pre-encoded packets, cheap on CPU)
//   node load.js idle --url mqtt://HOST:PORT --count 5000 --hold 120s
//
// Each prints one JSON line with its counts when done (sub: on idle/max time; pub: after --duration and the
// last acknowledgement or --ack-wait). Payload: "<publisher>,<seq>,<send time ms>," padded to --size bytes.
'use strict';
const mqtt = require('mqtt');
const { performance } = require('perf_hooks');

const now = () => performance.timeOrigin + performance.now();
// CPU time this process used so far (user + system), in ms: the load tool's own cost, printed with its counts
const cpuMs = () => { const u = process.cpuUsage(); return Math.round((u.user + u.system) / 1000); };

function parseArgs(argv) {
    const opts = { mode: argv[0] };
    for (let i = 1; i < argv.length; i += 2) {
        const key = argv[i];
        if (!key.startsWith('--') || i + 1 >= argv.length) fail(`bad argument '${key}'`);
        opts[key.slice(2)] = argv[i + 1];
    }
    return opts;
}

function fail(message) {
    process.stderr.write(`load.js: ${message}\n`);
    process.exit(2);
}

function duration(text, name) {
    const m = /^(\d+)(ms|s|m)$/.exec(text || '');
    if (!m) fail(`--${name} must be a duration like 10s, got '${text}'`);
    return Number(m[1]) * ({ ms: 1, s: 1000, m: 60000 }[m[2]]);
}

function int(text, name, min, max) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer ${min}..${max}, got '${text}'`);
    return n;
}

function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function subscriber(o) {
    const qos = int(o.qos ?? '1', 'qos', 0, 2);
    const idleMs = duration(o.idle ?? '3s', 'idle');
    const maxMs = duration(o['max-time'] ?? '120s', 'max-time');
    const client = mqtt.connect(o.url, { clientId: o['client-id'] ?? `load-sub-${process.pid}`, clean: true,
        reconnectPeriod: 0, protocolVersion: 4, keepalive: 60 });
    const next = new Map(); // publisher -> highest sequence seen + 1
    const missing = new Map(); // publisher -> Set of skipped sequences (a later arrival fills one in)
    let received = 0, unique = 0, duplicates = 0, outOfOrder = 0, first = 0, last = 0;
    const maxSamples = 2_000_000;
    const latencies = new Float64Array(maxSamples);
    let samples = 0, lastAt = 0, disconnected = null;
    // --timeline MS: per MS of arrival time, messages received and their highest latency (where the tail comes from)
    const timelineMs = o.timeline ? duration(o.timeline, 'timeline') : 0;
    const timeline = [];
    client.on('message', (_topic, payload) => {
        const t = now();
        const text = payload.toString('latin1', 0, Math.min(payload.length, 64));
        const [p, s, sent] = text.split(',');
        const seq = Number(s);
        received++;
        if (first === 0) first = t;
        last = t;
        lastAt = Date.now();
        const latency = t - Number(sent);
        if (samples < maxSamples) latencies[samples++] = latency;
        if (timelineMs > 0) {
            const slot = Math.floor((t - first) / timelineMs);
            if (slot < 100_000) {
                while (timeline.length <= slot) timeline.push([0, 0]);
                timeline[slot][0]++;
                if (latency > timeline[slot][1]) timeline[slot][1] = Math.round(latency);
            }
        }
        const expected = next.get(p) ?? 0;
        if (seq >= expected) {
            if (seq > expected) {
                let gaps = missing.get(p);
                if (!gaps) missing.set(p, gaps = new Set());
                for (let k = expected; k < seq && gaps.size < 5_000_000; k++) gaps.add(k);
            }
            next.set(p, seq + 1);
            unique++;
        } else {
            const gaps = missing.get(p);
            if (gaps && gaps.delete(seq)) { unique++; outOfOrder++; } else duplicates++;
        }
    });
    client.on('error', (e) => { disconnected = String(e.message || e); });
    client.on('close', () => { if (!disconnected) disconnected = 'connection closed'; });
    client.on('connect', () => {
        client.subscribe(o.topic ?? 'load/#', { qos }, (err) => {
            if (err) fail(`subscribe failed: ${err.message}`);
            process.stdout.write('subscribed\n');
            lastAt = Date.now();
        });
    });
    const started = Date.now();
    const finish = () => {
        const sorted = latencies.subarray(0, samples).sort();
        // per publisher, sequences below the highest one seen that never arrived
        let gaps = 0;
        for (const set of missing.values()) gaps += set.size;
        const seconds = last > first ? (last - first) / 1000 : 0;
        process.stdout.write(JSON.stringify({ role: 'sub', qos, received, unique, duplicates, outOfOrder,
            publishers: next.size, gaps,
            rate: seconds > 0 ? Math.round(unique / seconds) : 0, seconds,
            latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99),
                max: sorted.length ? sorted[sorted.length - 1] : null, samples },
            disconnected, cpuMs: cpuMs(), ...(timelineMs > 0 ? { timelineMs, timeline } : {}) }) + '\n');
        client.end(true, () => process.exit(0));
        setTimeout(() => process.exit(0), 1000).unref();
    };
    const timer = setInterval(() => {
        const t = Date.now();
        if (t - started > maxMs || (received > 0 && t - lastAt > idleMs) || (disconnected && received > 0)) {
            clearInterval(timer);
            finish();
        }
    }, 100);
    process.on('SIGTERM', finish);
}

// Once the run is over and every QoS 1/2 publish is acknowledged (or --ack-wait ran out): the publishers' JSON
// line (one format for both kinds), then close the connections and exit.
function reportWhenSettled(r) {
    const deadline = r.startedAt + r.runMs + r.ackWaitMs;
    const waitAcks = setInterval(() => {
        const done = r.stats.every((s) => r.qos === 0 || s.pending === 0 || s.error);
        if ((now() >= r.startedAt + r.runMs && done) || now() >= deadline) {
            clearInterval(waitAcks);
            const total = (field) => r.stats.reduce((a, s) => a + (s[field] ?? 0), 0);
            const sent = total('sent');
            process.stdout.write(JSON.stringify({ role: 'pub', ...r.fields, qos: r.qos, publishers: r.count,
                rateTarget: r.rate, sent, acked: total('acked'), unacked: total('pending'), failed: total('failed'),
                offered: Math.round(sent / (r.runMs / 1000)),
                errors: r.stats.filter(r.failedClient).map((s) => `${s.id}: ${s.error}`), cpuMs: cpuMs() }) + '\n');
            r.close();
            setTimeout(() => process.exit(0), 500).unref();
        }
    }, 50);
}

function publishers(o) {
    const count = int(o.publishers ?? '4', 'publishers', 1, 1000);
    const qos = int(o.qos ?? '1', 'qos', 0, 2);
    const rate = int(o.rate ?? '0', 'rate', 0, 10_000_000); // 0: as fast as the sockets take it
    const runMs = duration(o.duration ?? '10s', 'duration');
    const ackWaitMs = duration(o['ack-wait'] ?? '30s', 'ack-wait');
    const size = int(o.size ?? '120', 'size', 32, 100_000);
    const inflight = int(o.inflight ?? '1000', 'inflight', 1, 65_000);
    const topicPrefix = o['topic-prefix'] ?? 'load';
    const stats = [];
    let connected = 0;
    const clients = [];
    for (let i = 0; i < count; i++) {
        const id = `p${i}-${process.pid}`;
        const client = mqtt.connect(o.url, { clientId: `load-pub-${id}`, clean: true, reconnectPeriod: 0,
            protocolVersion: 4, keepalive: 60 });
        const st = { id, sent: 0, acked: 0, failed: 0, error: null, pending: 0 };
        stats.push(st);
        clients.push(client);
        client.on('error', (e) => { st.error = String(e.message || e); });
        client.on('close', () => { if (!st.error) st.error = 'connection closed'; });
        client.on('connect', () => { if (++connected === count) run(); });
    }
    const pad = 'x'.repeat(size);
    const started = { at: 0 };
    function run() {
        started.at = now();
        const perClientRate = rate / count;
        clients.forEach((client, i) => {
            const st = stats[i];
            const topic = `${topicPrefix}/${st.id}`;
            const tick = () => {
                const elapsed = now() - started.at;
                if (elapsed >= runMs || st.error) return;
                // how many this client should have sent by now (rate) or may send (open loop, bounded)
                let budget = rate > 0 ? Math.floor((elapsed / 1000) * perClientRate) - st.sent : 500;
                if (qos > 0) budget = Math.min(budget, inflight - st.pending);
                // respect the socket: a broker that stops reading slows us down instead of filling our heap
                if (client.stream && client.stream.writableLength > 1_000_000) budget = 0;
                for (let k = 0; k < budget; k++) {
                    const head = `${st.id},${st.sent},${now().toFixed(3)},`;
                    const payload = head + pad.slice(head.length);
                    st.sent++;
                    if (qos === 0) {
                        client.publish(topic, payload, { qos: 0 });
                    } else {
                        st.pending++;
                        client.publish(topic, payload, { qos }, (err) => {
                            st.pending--;
                            if (err) st.failed++; else st.acked++;
                        });
                    }
                }
                // nothing to send yet (rate, window or socket full): sleep a millisecond instead of spinning a core
                if (budget > 0) setImmediate(tick); else setTimeout(tick, 1);
            };
            tick();
        });
        reportWhenSettled({ stats, qos, count, rate, runMs, ackWaitMs, startedAt: started.at, fields: {},
            failedClient: (s) => s.error, close: () => clients.forEach((c) => c.end(true)) });
    }
    setTimeout(() => { if (connected < count) fail(`only ${connected}/${count} publishers connected`); }, 15000).unref();
}

// Raw publishers: the same load as `pub` (same topics, payloads, rate, in-flight window, output line), written
// straight to the socket as pre-encoded MQTT 3.1.1 packets, many per write. MQTT.js spends ~40 us of CPU per QoS 1
// publish; on a 2-core machine that leaves the broker under test short of CPU, so a cheap Java or C broker and an
// expensive one get different loads. These publishers cost a few us per message, so the broker and the MQTT.js
// subscriber (the client we measure) get the CPU. TCP_NODELAY on: the load tool must not be the bottleneck.
function rawPublishers(o) {
    const net = require('net');
    const count = int(o.publishers ?? '4', 'publishers', 1, 1000);
    const qos = int(o.qos ?? '1', 'qos', 0, 1);
    const rate = int(o.rate ?? '0', 'rate', 0, 10_000_000);
    const runMs = duration(o.duration ?? '10s', 'duration');
    const ackWaitMs = duration(o['ack-wait'] ?? '30s', 'ack-wait');
    const size = int(o.size ?? '120', 'size', 32, 100_000);
    const inflight = int(o.inflight ?? '1000', 'inflight', 1, 60_000);
    const topicPrefix = o['topic-prefix'] ?? 'load';
    const { hostname, port } = new URL(o.url);
    const stats = [];
    let connected = 0;
    const remainingLength = (n) => { // MQTT variable byte integer
        const out = [];
        do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b); } while (n > 0);
        return Buffer.from(out);
    };
    const connectPacket = (id) => {
        const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60]),
            Buffer.from([id.length >> 8, id.length & 0xff]), Buffer.from(id)]);
        return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
    };
    for (let i = 0; i < count; i++) {
        const id = `p${i}-${process.pid}`;
        const topic = Buffer.from(`${topicPrefix}/${id}`);
        const body = 2 + topic.length + (qos > 0 ? 2 : 0) + size;
        const header = Buffer.concat([Buffer.from([qos > 0 ? 0x32 : 0x30]), remainingLength(body)]);
        const packetLength = header.length + body;
        const payloadAt = header.length + 2 + topic.length + (qos > 0 ? 2 : 0);
        // a template packet: header, topic, (packet id), payload padding; copied and patched per message
        const template = Buffer.alloc(packetLength, 'x'.charCodeAt(0));
        header.copy(template, 0);
        template.writeUInt16BE(topic.length, header.length);
        topic.copy(template, header.length + 2);
        const st = { id, sent: 0, acked: 0, failed: 0, error: null, pending: 0, socket: null, connacked: false,
            template, packetLength, payloadAt, idAt: header.length + 2 + topic.length,
            inFlight: new Uint8Array(65536), nextId: 1, rest: null };
        stats.push(st);
        const socket = net.connect({ host: hostname, port: Number(port) }, () => {
            socket.setNoDelay(true);
            socket.write(connectPacket(`load-pub-${id}`));
        });
        st.socket = socket;
        socket.on('error', (e) => { st.error = String(e.message || e); });
        socket.on('close', () => { if (!st.error) st.error = 'connection closed'; });
        socket.on('data', (chunk) => {
            let buf = st.rest ? Buffer.concat([st.rest, chunk]) : chunk;
            let at = 0;
            while (at + 2 <= buf.length) {
                let len = 0, mul = 1, k = at + 1, done = false;
                while (k < buf.length && k < at + 5) {
                    const b = buf[k++]; len += (b & 0x7f) * mul; mul *= 128;
                    if ((b & 0x80) === 0) { done = true; break; }
                }
                if (!done || k + len > buf.length) break;
                const type = buf[at] >> 4;
                if (type === 4 && len >= 2) { // PUBACK
                    const pid = buf.readUInt16BE(k);
                    if (st.inFlight[pid]) { st.inFlight[pid] = 0; st.pending--; st.acked++; }
                } else if (type === 2) { // CONNACK
                    if (buf[k + 1] !== 0) { st.error = `CONNACK return code ${buf[k + 1]}`; socket.destroy(); }
                    else if (!st.connacked) { st.connacked = true; if (++connected === count) run(); }
                }
                at = k + len;
            }
            st.rest = at < buf.length ? Buffer.from(buf.subarray(at)) : null;
        });
    }
    const started = { at: 0 };
    function run() {
        started.at = now();
        const perClientRate = rate / count;
        stats.forEach((st) => {
            const tick = () => {
                const elapsed = now() - started.at;
                if (elapsed >= runMs || st.error) return;
                let budget = rate > 0 ? Math.floor((elapsed / 1000) * perClientRate) - st.sent : 500;
                if (qos > 0) budget = Math.min(budget, inflight - st.pending);
                if (st.socket.writableLength > 1_000_000) budget = 0;
                if (budget > 0) {
                    // one send time for the batch: it leaves in this one write
                    const sentAt = now().toFixed(3);
                    const batch = Buffer.allocUnsafe(budget * st.packetLength);
                    let n = 0;
                    for (; n < budget; n++) {
                        let pid = 0;
                        if (qos > 0) {
                            pid = st.nextId;
                            if (st.inFlight[pid]) break; // that id is still unacknowledged: wait
                            st.inFlight[pid] = 1;
                            st.nextId = pid === 65535 ? 1 : pid + 1;
                            st.pending++;
                        }
                        const off = n * st.packetLength;
                        st.template.copy(batch, off);
                        if (qos > 0) batch.writeUInt16BE(pid, off + st.idAt);
                        batch.write(`${st.id},${st.sent},${sentAt},`, off + st.payloadAt, 'latin1');
                        st.sent++;
                    }
                    if (n > 0) st.socket.write(n === budget ? batch : batch.subarray(0, n * st.packetLength));
                }
                // nothing to send yet (rate, window or socket full): sleep a millisecond instead of spinning a core
                if (budget > 0) setImmediate(tick); else setTimeout(tick, 1);
            };
            tick();
        });
        reportWhenSettled({ stats, qos, count, rate, runMs, ackWaitMs, startedAt: started.at, fields: { client: 'raw' },
            failedClient: (s) => s.error && !(s.error === 'connection closed' && s.pending === 0),
            close: () => stats.forEach((s) => s.socket.end(Buffer.from([0xe0, 0]))) });
    }
    setTimeout(() => { if (connected < count) fail(`only ${connected}/${count} publishers connected`); }, 15000).unref();
}

// Idle devices: plain TCP sockets that send an MQTT 3.1.1 CONNECT (keep alive 600 s) and then nothing, as cheap
// for this process as a connection can be; prints "connected N" once every CONNACK arrived, holds until --hold.
function idle(o) {
    const net = require('net');
    const count = int(o.count ?? '1000', 'count', 1, 19_000);
    const holdMs = duration(o.hold ?? '120s', 'hold');
    const { hostname, port } = new URL(o.url);
    const sockets = [];
    let acked = 0, failed = 0, started = 0;
    const connectPacket = (id) => {
        const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0x02, 0x58]),
            Buffer.from([id.length >> 8, id.length & 0xff]), Buffer.from(id)]);
        return Buffer.concat([Buffer.from([0x10, body.length]), body]);
    };
    const openNext = () => {
        // at most 200 handshakes at a time: a connection storm is another benchmark
        while (started < count && started - acked - failed < 200) {
            const id = `idle-${process.pid}-${started++}`;
            const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(connectPacket(id)));
            socket.once('data', (d) => { if (d[0] === 0x20 && d[3] === 0) acked++; else failed++; check(); });
            socket.on('error', () => { failed++; check(); });
            sockets.push(socket);
        }
    };
    const check = () => {
        if (acked + failed === count) process.stdout.write(`connected ${acked} failed ${failed}\n`);
        else openNext();
    };
    openNext();
    const end = () => { sockets.forEach((s) => s.destroy()); process.exit(0); };
    setTimeout(end, holdMs);
    process.on('SIGTERM', end);
}

const opts = parseArgs(process.argv.slice(2));
if (!opts.url) fail('--url mqtt://HOST:PORT is required');
if (opts.mode === 'sub') subscriber(opts);
else if (opts.mode === 'pub') publishers(opts);
else if (opts.mode === 'rawpub') rawPublishers(opts);
else if (opts.mode === 'idle') idle(opts);
else fail("first argument must be 'sub', 'pub', 'rawpub' or 'idle'");
