// `tracelake datasets` against a real server: traces sent over OTLP/HTTP JSON with expectations
// added through MLflow's assessments REST become a dataset (add-traces); JSONL and CSV import and
// export round trips; errors exit non-zero and store nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startServer, tracelakeBinary } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';

const run = promisify(execFile);
const MAX_REQUEST_BYTES = 1 << 20;

async function tracelake(...args) {
  try {
    const { stdout, stderr } = await run(tracelakeBinary(), args, { timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// One finished root span per trace, with MLflow's inputs and outputs attributes.
function otlpTrace(traceId, question, answer) {
  const now = BigInt(Date.now()) * 1000000n;
  const str = (v) => ({ stringValue: v });
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: str('dataset-e2e') }] },
      scopeSpans: [{
        scope: { name: 'e2e' },
        spans: [{
          traceId,
          spanId: crypto.randomBytes(8).toString('hex'),
          name: 'agent',
          kind: 1,
          startTimeUnixNano: String(now - 5000000n),
          endTimeUnixNano: String(now),
          attributes: [
            { key: 'mlflow.spanType', value: str('"AGENT"') },
            { key: 'mlflow.spanInputs', value: str(JSON.stringify({ question })) },
            { key: 'mlflow.spanOutputs', value: str(JSON.stringify(answer)) },
          ],
          status: { code: 1 },
        }],
      }],
    }],
  };
}

describe('tracelake datasets', () => {
  let server;
  let rest;
  let dir;
  let experimentId;
  const server_ = () => ['--server', server.url];
  const traces = [];

  before(async () => {
    server = await startServer({ maxRequestBytes: MAX_REQUEST_BYTES });
    rest = new RestClient(server.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-datasets-'));
    experimentId = await rest.createExperiment(`datasets-${Date.now()}`);
    const qa = [['What is MLflow?', 'A platform', 'An ML platform.'],
      ['Capital of France?', 'Paris', 'Paris.'],
      ['2 + 2?', 4, 'four']];
    for (const [question, expected, answer] of qa) {
      const hex = crypto.randomBytes(16).toString('hex');
      const res = await rest.request('POST', '/v1/traces', otlpTrace(hex, question, answer),
        { 'x-mlflow-experiment-id': experimentId });
      assert.equal(res.status, 200, res.text);
      await rest.ok('POST', `/api/3.0/mlflow/traces/tr-${hex}/assessments`, {
        assessment: {
          assessment_name: 'expected_answer',
          source: { source_type: 'HUMAN', source_id: 'e2e' },
          expectation: { value: expected },
        },
      });
      traces.push({ id: `tr-${hex}`, question, expected, answer });
    }
  });

  after(async () => {
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('datasets --help lists the commands and exits 0', async () => {
    const r = await tracelake('datasets', '--help');
    assert.equal(r.code, 0, r.stderr);
    for (const c of ['create', 'list', 'show', 'add-traces', 'import', 'export', 'delete', '--server']) {
      assert.ok(r.stdout.includes(c), `datasets --help should mention ${c}:\n${r.stdout}`);
    }
  });

  test('add-traces builds records from root spans and expectation assessments', async () => {
    const created = await tracelake('datasets', 'create', 'from-traces', '--experiment-ids', experimentId, ...server_());
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^d-[0-9a-f]{32}$/);
    const added = await tracelake('datasets', 'add-traces', id, '--experiment-ids', experimentId, ...server_());
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /3 traces: 3 records inserted/);
    // Again by trace id: merged into the same records.
    const again = await tracelake('datasets', 'add-traces', id, '--trace-ids', traces[0].id, ...server_());
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /1 traces: 0 records inserted, 1 updated/);

    const out = path.join(dir, 'from-traces.jsonl');
    const exported = await tracelake('datasets', 'export', id, out, ...server_());
    assert.equal(exported.code, 0, exported.stderr);
    const records = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(records.length, 3);
    for (const t of traces) {
      const r = records.find((x) => x.source_id === t.id);
      assert.ok(r, `no record for ${t.id}`);
      assert.deepEqual(r.inputs, { question: t.question });
      assert.deepEqual(r.outputs, t.answer);
      assert.deepEqual(r.expectations, { expected_answer: t.expected });
      assert.equal(r.source_type, 'TRACE');
      assert.equal(r.source.source_data.trace_id, t.id);
    }
    const listed = await tracelake('datasets', 'list', '--experiment-ids', experimentId, ...server_());
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\s+3\\s+from-traces`));
  });

  test('JSONL and CSV import and export round trip', async () => {
    const n = 2500;  // more than one request and one page
    const lines = [];
    for (let i = 0; i < n; i++) {
      lines.push(JSON.stringify({
        inputs: { question: `q${i}`, context: { n: i, text: 'with "quotes", commas\nand lines' } },
        expectations: { answer: `a${i}` },
        tags: { split: i % 2 ? 'dev' : 'test' },
        ...(i % 3 === 0 ? { outputs: { text: `o${i}` } } : {}),
      }));
    }
    const jsonl = path.join(dir, 'in.jsonl');
    fs.writeFileSync(jsonl, lines.join('\n') + '\n');
    const a = (await tracelake('datasets', 'create', 'jsonl', ...server_())).stdout.trim();
    const imported = await tracelake('datasets', 'import', a, jsonl, ...server_());
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /2500 records: 2500 inserted, 0 updated/);
    assert.match(imported.stderr, /imported 1000\/2500 records/);

    const csv = path.join(dir, 'out.csv');
    const exported = await tracelake('datasets', 'export', a, csv, ...server_());
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /2500 records written/);
    const b = (await tracelake('datasets', 'create', 'csv', ...server_())).stdout.trim();
    const reimported = await tracelake('datasets', 'import', b, csv, ...server_());
    assert.equal(reimported.code, 0, reimported.stderr);
    assert.match(reimported.stdout, /2500 records: 2500 inserted/);

    const back = path.join(dir, 'back.jsonl');
    assert.equal((await tracelake('datasets', 'export', b, back, ...server_())).code, 0);
    const strip = (r) => ({ inputs: r.inputs, expectations: r.expectations, tags: r.tags, outputs: r.outputs });
    const original = lines.map((l) => JSON.parse(l));
    const got = fs.readFileSync(back, 'utf8').trim().split('\n').map((l) => strip(JSON.parse(l)));
    assert.equal(got.length, n);
    got.forEach((r, i) => assert.deepEqual(r, strip(original[i]), `record ${i}`));

    const shown = await tracelake('datasets', 'show', b, '--max-results', '2', ...server_());
    assert.equal(shown.code, 0, shown.stderr);
    const d = JSON.parse(shown.stdout);
    assert.equal(d.profile.num_records, n);
    assert.equal(d.records.length, 2);
  });

  test('bad input and unreachable servers exit non-zero and store nothing', async () => {
    const id = (await tracelake('datasets', 'create', 'bad', ...server_())).stdout.trim();
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"inputs": {"q": 1}}\n{"inputs": "not an object"}\n');
    let r = await tracelake('datasets', 'import', id, bad, ...server_());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 2/);
    const badCsv = path.join(dir, 'bad.csv');
    fs.writeFileSync(badCsv, 'inputs\n"{""q"": 1"\n');
    r = await tracelake('datasets', 'import', id, badCsv, ...server_());
    assert.equal(r.code, 1);
    const records = await rest.ok('GET', `/api/3.0/mlflow/datasets/${id}/records`);
    assert.deepEqual(JSON.parse(records.records), []);

    // A body over --max-request-bytes: 413 in MLflow's error body, from the REST API and the CLI.
    const huge = { records: JSON.stringify([{ inputs: { q: 'x'.repeat(MAX_REQUEST_BYTES) } }]) };
    const res = await rest.request('POST', `/api/3.0/mlflow/datasets/${id}/records`, huge);
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE');
    const hugeFile = path.join(dir, 'huge.jsonl');
    fs.writeFileSync(hugeFile, `${JSON.stringify({ inputs: { q: 'x'.repeat(MAX_REQUEST_BYTES) } })}\n`);
    r = await tracelake('datasets', 'import', id, hugeFile, ...server_());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exceeds the server's limit/);
    const after = await rest.ok('GET', `/api/3.0/mlflow/datasets/${id}/records`);
    assert.deepEqual(JSON.parse(after.records), []);

    r = await tracelake('datasets', 'show', 'd-00000000000000000000000000000000', ...server_());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RESOURCE_DOES_NOT_EXIST/);
    const port = await freePort();
    r = await tracelake('datasets', 'list', '--server', `http://127.0.0.1:${port}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the tracelake server/);
    r = await tracelake('datasets', 'delete', id, ...server_());
    assert.equal(r.code, 0, r.stderr);
    r = await tracelake('datasets', 'frobnicate', ...server_());
    assert.equal(r.code, 2);
  });

  test('a record is edited in place over REST; bad edits change nothing', async () => {
    const created = await rest.ok('POST', '/api/3.0/mlflow/datasets/create', {
      name: 'edit-in-place', experiment_ids: [experimentId] });
    const id = created.dataset.dataset_id;
    await rest.ok('POST', `/api/3.0/mlflow/datasets/${id}/records`, { records: JSON.stringify([
      { inputs: { q: 'a' }, expectations: { answer: 'A', extra: 1 }, tags: { t: 'x' } },
      { inputs: { q: 'b' } }]) });
    // MLflow's answer holds the records as one JSON text.
    const list = async () => {
      const recs = (await rest.ok('GET', `/api/3.0/mlflow/datasets/${id}/records?max_results=100`)).records;
      return typeof recs === 'string' ? JSON.parse(recs) : recs;
    };
    const [a, b] = await list();
    const path = `/api/2.0/tracelake/datasets/${id}/records/${a.dataset_record_id}`;
    const edited = await rest.ok('PATCH', path, { inputs: { q: 'a2' }, expectations: { answer: 'A2' } });
    assert.equal(edited.record.dataset_record_id, a.dataset_record_id);
    assert.deepEqual(edited.record.inputs, { q: 'a2' });
    assert.deepEqual(edited.record.expectations, { answer: 'A2' });
    assert.deepEqual(edited.record.tags, { t: 'x' });
    const bad = async (p, body, status, re) => {
      const r = await rest.request('PATCH', p, body);
      assert.equal(r.status, status, r.text);
      assert.match(r.body.message, re);
    };
    await bad(path, { inputs: { q: 'b' } }, 400, new RegExp(b.dataset_record_id));
    await bad(path, { inputs: ['q'] }, 400, /inputs: expected a JSON object/);
    await bad(path, {}, 400, /Nothing to change/);
    await bad(`/api/2.0/tracelake/datasets/${id}/records/dr-nope`, { inputs: { q: 'z' } }, 404, /not found/);
    const after = await list();
    assert.deepEqual(after.map((r) => r.inputs), [{ q: 'a2' }, { q: 'b' }]);
  });
});
