// A WebSub hub (W3C Recommendation, 23 January 2018) for the test suite, in its own process, Node's standard
// library only. No hub is installable from the registries this project builds from (PyPI's flask-websub is out
// of reach), so this one follows the spec's hub side as written:
//   §5.1 subscribe / unsubscribe: form POST of hub.callback, hub.mode, hub.topic, hub.lease_seconds, hub.secret,
//        answered 202, then verified asynchronously;
//   §5.2 denial: GET callback?hub.mode=denied&hub.topic&hub.reason;
//   §5.3 verification of intent: GET callback?hub.mode&hub.topic&hub.challenge&hub.lease_seconds, confirmed by a
//        2xx whose body is the challenge;
//   §6 publishing ("hub.mode=publish&hub.url=…", the PubSubHubbub convention every public hub accepts);
//   §7 content distribution: a POST of the topic's content with its Content-Type, Link rel="hub" and rel="self",
//        and X-Hub-Signature: sha256=HMAC(secret, body); retried while the subscriber answers other than 2xx;
//   §5.1 leases: a subscription lapses after its lease (the hub grants at most --max-lease seconds).
// For the tests, /admin/* lists subscriptions (never their secrets), injects failures and logs what happened.
//
//   node hub.mjs [--port 0] [--max-lease 864000]     prints "listening <port>" once it listens.

import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const maxLease = Number(args['max-lease'] ?? 864000);
const subscriptions = new Map(); // key: topic + '\n' + callback
const log = [];
let failSubscribe = null; // status the hub answers subscription requests with, while set

const note = (event) => log.push({ at: Date.now(), ...event });
const keyOf = (topic, callback) => `${topic}\n${callback}`;
const live = (now = Date.now()) => [...subscriptions.values()].filter((s) => s.expiresAt > now);

function withQuery(url, params) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, String(v));
  return u.toString();
}

async function readBody(request, limit = 1 << 20) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function verify(mode, topic, callback, leaseSeconds, secret) {
  const challenge = randomBytes(16).toString('hex');
  const params = { 'hub.mode': mode, 'hub.topic': topic, 'hub.challenge': challenge };
  if (mode === 'subscribe') params['hub.lease_seconds'] = leaseSeconds;
  try {
    const response = await fetch(withQuery(callback, params), { signal: AbortSignal.timeout(10000) });
    const body = await response.text();
    const confirmed = response.ok && body === challenge;
    note({ event: 'verify', mode, topic, callback, status: response.status, confirmed });
    if (!confirmed) return;
    if (mode === 'subscribe') {
      subscriptions.set(keyOf(topic, callback), { topic, callback, secret, leaseSeconds, expiresAt: Date.now() + leaseSeconds * 1000 });
    } else {
      subscriptions.delete(keyOf(topic, callback));
    }
  } catch (error) {
    note({ event: 'verify', mode, topic, callback, error: String(error), confirmed: false });
  }
}

async function distribute(topic, { badSignature = false } = {}) {
  let content;
  try {
    const fetched = await fetch(topic, { signal: AbortSignal.timeout(10000) });
    content = { type: fetched.headers.get('content-type') ?? 'application/octet-stream', body: Buffer.from(await fetched.arrayBuffer()) };
    note({ event: 'fetch', topic, status: fetched.status, bytes: content.body.length });
  } catch (error) {
    note({ event: 'fetch', topic, error: String(error) });
    return;
  }

  await Promise.all(live().filter((s) => s.topic === topic).map(async (s) => {
    const headers = { 'Content-Type': content.type, Link: `<${hubUrl}>; rel="hub", <${topic}>; rel="self"` };
    if (s.secret) {
      const signature = createHmac('sha256', badSignature ? 'not-the-secret' : s.secret).update(content.body).digest('hex');
      headers['X-Hub-Signature'] = `sha256=${signature}`;
    }
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        const response = await fetch(s.callback, { method: 'POST', headers, body: content.body, signal: AbortSignal.timeout(10000) });
        note({ event: 'deliver', topic, callback: s.callback, attempt, status: response.status });
        if (response.status === 410) subscriptions.delete(keyOf(s.topic, s.callback));
        if (response.ok || response.status === 410) return;
      } catch (error) {
        note({ event: 'deliver', topic, callback: s.callback, attempt, error: String(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }));
}

async function deny(topic, reason) {
  await Promise.all(live().filter((s) => s.topic === topic).map(async (s) => {
    subscriptions.delete(keyOf(s.topic, s.callback));
    try {
      const response = await fetch(withQuery(s.callback, { 'hub.mode': 'denied', 'hub.topic': topic, 'hub.reason': reason }));
      note({ event: 'denied', topic, callback: s.callback, status: response.status });
    } catch (error) {
      note({ event: 'denied', topic, callback: s.callback, error: String(error) });
    }
  }));
}

function answer(response, status, body = '', type = 'text/plain; charset=utf-8') {
  response.writeHead(status, { 'Content-Type': type });
  response.end(body);
}

let hubUrl = '';
const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url, hubUrl);
    if (url.pathname.startsWith('/admin/')) {
      const topic = url.searchParams.get('topic');
      switch (`${request.method} ${url.pathname}`) {
        case 'GET /admin/subscriptions':
          return answer(response, 200, JSON.stringify(live().map(({ secret, ...s }) => ({ ...s, hasSecret: Boolean(secret) }))), 'application/json');
        case 'GET /admin/log':
          return answer(response, 200, JSON.stringify(log), 'application/json');
        case 'POST /admin/fail-subscribe':
          failSubscribe = url.searchParams.get('status') === 'off' ? null : Number(url.searchParams.get('status') ?? 500);
          return answer(response, 204);
        case 'POST /admin/push-bad-signature':
          distribute(topic, { badSignature: true });
          return answer(response, 202);
        case 'POST /admin/deny':
          await deny(topic, url.searchParams.get('reason') ?? 'denied by the test');
          return answer(response, 204);
        case 'POST /admin/expire':
          for (const s of subscriptions.values()) if (!topic || s.topic === topic) s.expiresAt = 0;
          return answer(response, 204);
        default:
          return answer(response, 404, 'no such admin call');
      }
    }

    if (request.method !== 'POST') return answer(response, 405, 'POST hub.mode=subscribe, unsubscribe or publish');
    const form = new URLSearchParams((await readBody(request)).toString('utf8'));
    const mode = form.get('hub.mode');
    if (mode === 'publish') {
      const topic = form.get('hub.url') ?? form.get('hub.topic');
      if (!topic) return answer(response, 400, 'hub.url is required');
      note({ event: 'publish', topic });
      distribute(topic);
      return answer(response, 202);
    }

    if (mode !== 'subscribe' && mode !== 'unsubscribe') return answer(response, 400, `unknown hub.mode '${mode}'`);
    const topic = form.get('hub.topic');
    const callback = form.get('hub.callback');
    if (!topic || !callback || !/^https?:\/\//.test(callback)) return answer(response, 400, 'hub.topic and an http(s) hub.callback are required');
    const secret = form.get('hub.secret');
    if (secret !== null && Buffer.byteLength(secret) >= 200) return answer(response, 400, 'hub.secret must be under 200 bytes');
    note({ event: 'request', mode, topic, callback, leaseSeconds: form.get('hub.lease_seconds'), hasSecret: Boolean(secret) });
    if (failSubscribe) return answer(response, failSubscribe, 'hub failure injected by the test');
    const asked = Number(form.get('hub.lease_seconds') ?? maxLease);
    const lease = Math.max(1, Math.min(Number.isFinite(asked) && asked > 0 ? asked : maxLease, maxLease));
    answer(response, 202);
    verify(mode, topic, callback, lease, secret);
  } catch (error) {
    answer(response, 500, String(error));
  }
});

server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  hubUrl = `http://127.0.0.1:${port}/`;
  process.stdout.write(`listening ${port}\n`);
});
