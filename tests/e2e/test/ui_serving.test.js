// The server's side of the web UI: files from share/tracelake/web with caching headers,
// index.html for client routes, a strict CSP, and API paths untouched (their JSON 404 / 405).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { uiSkipReason } from '../lib/ui_browser.js';

// fetch() normalizes "..", so traversal attempts go over a raw socket.
function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    sock.setTimeout(30000, () => { sock.destroy(); reject(new Error('raw GET timed out')); });
    sock.on('data', (c) => { data += c.toString('latin1'); });
    sock.on('end', () => resolve({ status: Number(data.split(' ')[1]), text: data }));
    sock.on('error', reject);
  });
}

function assertSecurityHeaders(res) {
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
}

describe('ui serving', { skip: uiSkipReason() }, () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => {
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  test('/ is the app, no-cache, strict CSP, no inline script', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assertSecurityHeaders(res);
    const html = await res.text();
    assert.match(html, /<div id="app">/);
    assert.match(html, /<script type="module" src="\/assets\/main-[A-Za-z0-9]+\.js"><\/script>/);
    assert.doesNotMatch(html, /<script>|<script type="module">/, 'no inline script');
  });

  test('hashed assets are immutable and typed', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)[1];
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(html)[1];
    for (const [p, type] of [[js, /^text\/javascript/], [css, /^text\/css/]]) {
      const res = await fetch(server.url + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type'), type);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assertSecurityHeaders(res);
      assert.ok((await res.arrayBuffer()).byteLength > 100);
    }
    const missing = await fetch(`${server.url}/assets/main-NOPE.js`);
    assert.equal(missing.status, 404, 'a missing asset is 404, never index.html');
  });

  test('client routes fall back to index.html', async () => {
    for (const p of ['/experiments', '/experiments/1', '/experiments/1/traces/tr-0123456789abcdef0123456789abcdef?span=x']) {
      const res = await fetch(server.url + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type'), /^text\/html/, p);
      assert.equal(res.headers.get('cache-control'), 'no-cache', p);
      assert.match(await res.text(), /<div id="app">/, p);
    }
  });

  test('API paths keep their JSON answers', async () => {
    const cases = [
      ['GET', '/api/2.0/mlflow/no-such-endpoint', 404],
      ['GET', '/ajax-api/3.0/mlflow/nothing', 404],
      ['POST', '/api/3.0/mlflow/nothing', 404],
      ['GET', '/api/2.0/mlflow/traces/tr-0123456789abcdef0123456789abcdef', 405],
      ['GET', '/v1/nothing', 404],
      ['GET', '/metrics/x', 404],
      ['POST', '/experiments/1', 404],
      ['DELETE', '/', 404],
    ];
    for (const [method, p, status] of cases) {
      const res = await fetch(server.url + p, { method });
      assert.equal(res.status, status, `${method} ${p}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${method} ${p}`);
      const body = await res.json();
      assert.ok(body.error_code, `${method} ${p}: ${JSON.stringify(body)}`);
    }
    assert.equal(await (await fetch(`${server.url}/health`)).text(), 'OK');
    assert.match(await (await fetch(`${server.url}/version`)).text(), /^\d+\.\d+/);
    const metrics = await fetch(`${server.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(metrics.headers.get('content-type'), /html/);
  });

  test('path traversal is refused', async () => {
    for (const target of ['/../../../../etc/passwd', '/assets/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
                          '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/.hidden', '/assets/..%5c..%5cetc']) {
      const res = await rawGet(server.port, target);
      assert.ok(res.status === 404 || res.status === 400, `${target}: ${res.status}`);
      assert.doesNotMatch(res.text, /root:x:0:0/, target);
    }
  });
});

describe('ui serving without a built UI', () => {
  let server;
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-noui-'));
  before(async () => { server = await startServer({ extraArgs: ['--ui-dir', empty] }); });
  after(async () => {
    await server?.stopCleanly();
    server?.removeDataDir();
    fs.rmSync(empty, { recursive: true, force: true });
  });

  test('/ explains that the UI is not built; other paths are 404', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /web UI was not built/);
    assert.equal((await fetch(`${server.url}/experiments/1`)).status, 404);
    assert.equal((await fetch(`${server.url}/api/2.0/mlflow/nothing`)).status, 404);
  });
});
