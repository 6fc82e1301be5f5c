// The command line and the basic endpoints: --help, /health, /version, and `tracelake demo`
// (what scripts/run.sh shows a newcomer) against a real server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, tracelakeBinary } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';

const run = promisify(execFile);

// Runs the binary; resolves {code, stdout, stderr} whatever the exit code.
async function tracelake(...args) {
  try {
    const { stdout, stderr } = await run(tracelakeBinary(), args, { timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('command line', () => {
  test('tracelake --help lists the commands and exits 0', async () => {
    const r = await tracelake('--help');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /server/);
    assert.match(r.stdout, /demo/);
  });

  test('tracelake server --help lists the MLflow-style flags and exits 0', async () => {
    const r = await tracelake('server', '--help');
    assert.equal(r.code, 0, r.stderr);
    for (const flag of ['--host', '--port', '--backend-store-uri', '--otlp-grpc-port', '--max-request-bytes']) {
      assert.ok(r.stdout.includes(flag), `server --help should mention ${flag}:\n${r.stdout}`);
    }
  });

  test('bad flags fail with a message and a non-zero exit, without starting', async () => {
    let r = await tracelake('server', '--no-such-flag');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no-such-flag/);
    r = await tracelake('server', '--port', 'eighty');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /port/);
    r = await tracelake('no-such-command');
    assert.notEqual(r.code, 0);
  });
});

describe('server basics and the demo', () => {
  let server;
  let rest;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
  });

  after(async () => {
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  test('/health is OK and /version answers an MLflow 3.4+ style version', async () => {
    const health = await rest.request('GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.text.trim(), 'OK');
    const version = await rest.request('GET', '/version');
    assert.equal(version.status, 200);
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.text.trim());
    assert.ok(m, `/version: ${version.text}`);
    const [major, minor] = [Number(m[1]), Number(m[2])];
    assert.ok(major > 3 || (major === 3 && minor >= 4), `MLflow clients upload spans over OTLP from 3.4: ${version.text}`);
  });

  test('the Default experiment exists', async () => {
    const r = await rest.ok('GET', '/api/2.0/mlflow/experiments/get?experiment_id=0');
    assert.equal(r.experiment?.experiment_id, '0');
    assert.equal(r.experiment?.name, 'Default');
  });

  test('tracelake demo sends traces that read back through the REST API', async () => {
    const r = await tracelake('demo', '--endpoint', server.url);
    assert.equal(r.code, 0, `demo failed: ${r.stderr}\n${server.tail()}`);
    const traces = await rest.searchAll('0');
    assert.ok(traces.length >= 3, `demo traces in experiment 0: ${traces.length}`);
    const states = new Set(traces.map((t) => t.state));
    assert.ok(states.has('OK'), `some demo trace succeeds: ${[...states]}`);
    assert.ok(states.has('ERROR'), `one demo trace fails in a tool: ${[...states]}`);
    for (const t of traces) {
      const { info, spans } = await rest.getTrace(t.trace_id.slice(3));
      assert.ok(spans.length >= 1);
      assert.equal(info.trace_id, t.trace_id);
      const roots = spans.filter((s) => s.parentSpanId === '');
      assert.equal(roots.length, 1, `trace ${t.trace_id} has exactly one root`);
      assert.ok(info.request_preview?.length > 0, `demo trace ${t.trace_id} has a request preview`);
    }
    const withTokens = traces.filter((t) => t.trace_metadata?.['mlflow.trace.tokenUsage']);
    assert.ok(withTokens.length >= 1, 'demo traces carry token usage');
  });
});
