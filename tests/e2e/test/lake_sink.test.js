// The lake sink (docs/lake.md): `tracelake server --lake-location DIR` appends what real OTel
// exporters send to the Delta tables tracelake_otel_spans / _otel_logs / _otel_annotations, and
// `tracelake lake export` writes the same from a store file. DuckDB reads the files the Delta log
// names (replayed here from the JSON commits, as a Delta reader does) and the rows equal what was
// sent: attributes of every type, events, links, status, resource, scope, nulls, unicode. Late
// spans, restarts, kill -9 and an unwritable lake lose and duplicate nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { startServer, tracelakeBinary } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import {
  EXPORTERS, context, exportItems, hexSpanId, logExporter, memoryLogger, memoryTracer, trace,
  SpanKind, SpanStatusCode,
} from '../lib/otel.js';

const execFileP = promisify(execFile);

// hyparquet answers a MAP column as an object or as [{key, value}]; the value of one key.
function mapGet(map, key) {
  if (map == null) return undefined;
  if (Array.isArray(map)) return map.find((e) => e.key === key)?.value;
  return map[key];
}

// The live data files of a Delta table: its JSON commits replayed in order (add, then remove).
function liveFiles(tableDir) {
  const log = path.join(tableDir, '_delta_log');
  const commits = fs.readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).sort();
  commits.forEach((f, i) => assert.equal(f, `${String(i).padStart(20, '0')}.json`, 'versions are contiguous'));
  const live = new Map();
  const txns = new Map();
  for (const f of commits) {
    for (const line of fs.readFileSync(path.join(log, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const action = JSON.parse(line);
      assert.equal(Object.keys(action).length, 1, `one action per line in ${f}`);
      if (action.add) live.set(action.add.path, action.add);
      if (action.remove) live.delete(action.remove.path);
      if (action.txn) txns.set(action.txn.appId, action.txn.version);
    }
  }
  return { files: [...live.values()], txns, versions: commits.length };
}

async function waitFor(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

describe('Delta lake sink', () => {
  let server;
  let rest;
  let experimentId;
  let lake;
  let conn;
  const mt = memoryTracer({ 'deployment.environment': 'e2e', 'host.cores': 2 });
  const ml = memoryLogger();
  const sent = new Map();  // record_id -> span sent

  before(async () => {
    lake = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-lake-'));
    server = await startServer({ extraArgs: ['--lake-location', lake, '--lake-interval', '1'] });
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment(`e2e-lake-${process.pid}`);
    conn = await (await DuckDBInstance.create(':memory:')).connect();
  });

  after(async () => {
    await mt.shutdown();
    await ml.shutdown();
    conn?.closeSync?.();
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
      if (lake) fs.rmSync(lake, { recursive: true, force: true });
    }
  });

  async function query(sql) {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson();
  }

  // DuckDB over the live files of one table (the date partition from the directory names).
  async function tableRows(table, select = '*', dir = lake) {
    const { files } = liveFiles(path.join(dir, `tracelake_${table}`));
    if (files.length === 0) return [];
    const list = files.map((f) => `'${path.join(dir, `tracelake_${table}`, f.path).replaceAll("'", "''")}'`).join(',');
    return query(`SELECT ${select} FROM read_parquet([${list}], hive_partitioning = true)`);
  }

  async function caughtUp() {
    return waitFor('the lake sink to catch up', async () => {
      const s = await rest.ok('GET', '/api/2.0/tracelake/lake');
      return s.lag_changes === 0 && s.cursor > 0 && !s.last_error ? s : false;
    });
  }

  function record(traceIdHex, spanIdHex) { return `${traceIdHex}:${spanIdHex}`; }

  async function sendTrace(tag, t0, { exporter = 'http/protobuf', target = server, experiment = experimentId } = {}) {
    mt.reset();
    const root = mt.tracer.startSpan(`agent ${tag}`, {
      kind: SpanKind.SERVER, startTime: t0,
      attributes: { 'user.id': `ü-${tag}`, 'empty': '', 'ok': true, 'n': 42, 'ratio': 0.25, 'tags': ['a', 'b'] },
    });
    const ctx = trace.setSpan(context.active(), root);
    const chat = mt.tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT, startTime: t0 + 5,
      attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 11, 'text': '日本語 ✓' },
      links: [{ context: root.spanContext(), attributes: { 'link.kind': 'caused-by' } }],
    }, ctx);
    chat.addEvent('retry', { attempt: 2 }, t0 + 6);
    chat.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    chat.end(t0 + 50);
    root.end(t0 + 60);
    const spans = mt.finished();
    const traceId = root.spanContext().traceId;
    const ex = EXPORTERS[exporter](target, { experimentId: experiment });
    try {
      await exportItems(ex, spans);
    } finally {
      await ex.shutdown();
    }
    if (target === server) for (const s of spans) sent.set(record(traceId, hexSpanId(s)), s);
    return { traceId, rootId: hexSpanId(root), chatId: hexSpanId(chat), chatCtx: trace.setSpan(ctx, chat) };
  }

  test('spans, logs and annotations land in the Delta tables as sent', async () => {
    const t0 = Date.now() - 60000;
    const a = await sendTrace('one', t0);
    // GenAI log records linked to the chat span.
    ml.reset();
    ml.logger.emit({ eventName: 'gen_ai.user.message', body: { content: 'hi ✓' }, timestamp: t0 + 7,
                     severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes: { 'gen_ai.system': 'openai' }, context: a.chatCtx });
    const logs = logExporter(server, { experimentId });
    try {
      await exportItems(logs, ml.finished());
    } finally {
      await logs.shutdown();
    }
    await rest.ok('PATCH', `/api/3.0/mlflow/traces/tr-${a.traceId}/tags`, { key: 'customer', value: 'acme' });
    await rest.ok('POST', `/api/3.0/mlflow/traces/tr-${a.traceId}/assessments`, {
      assessment: {
        trace_id: `tr-${a.traceId}`, assessment_name: 'correct',
        source: { source_type: 'HUMAN', source_id: 'ana' },
        feedback: { value: false }, rationale: 'wrong total',
      },
    });
    const status = await caughtUp();
    assert.equal(status.enabled, true);
    assert.deepEqual(status.tables, ['tracelake_otel_spans', 'tracelake_otel_logs', 'tracelake_otel_annotations']);

    const spans = await tableRows('otel_spans', `record_id, trace_id, span_id, parent_span_id, name, kind,
      start_time_unix_nano::VARCHAR AS start_ns, end_time_unix_nano::VARCHAR AS end_ns,
      epoch_us(time)::VARCHAR AS time_us, date::VARCHAR AS date, service_name,
      map_extract(attributes, 'user.id')[1] AS user_id, map_extract(attributes, 'empty')[1] AS empty,
      map_extract(attributes, 'ok')[1] AS ok, map_extract(attributes, 'n')[1] AS n,
      map_extract(attributes, 'ratio')[1] AS ratio, map_extract(attributes, 'tags')[1] AS tags,
      map_extract(attributes, 'text')[1] AS text, status.code AS status_code, status.message AS status_message,
      events, links, map_extract(resource.attributes, 'deployment.environment')[1] AS env,
      instrumentation_scope.name AS scope_name, instrumentation_scope.version AS scope_version`);
    const root = spans.find((r) => r.span_id === a.rootId);
    const chat = spans.find((r) => r.span_id === a.chatId);
    assert.ok(root && chat, JSON.stringify(spans));
    assert.equal(root.record_id, record(a.traceId, a.rootId));
    assert.equal(root.trace_id, a.traceId);
    assert.equal(root.parent_span_id, '');
    assert.equal(chat.parent_span_id, a.rootId);
    assert.equal(root.name, 'agent one');
    assert.equal(root.kind, 'SPAN_KIND_SERVER');
    assert.equal(chat.kind, 'SPAN_KIND_CLIENT');
    assert.equal(root.start_ns, String(BigInt(t0) * 1000000n));
    assert.equal(root.time_us, String(BigInt(t0) * 1000n));
    assert.equal(root.date, new Date(t0).toISOString().slice(0, 10));
    assert.equal(root.service_name, 'tracelake-e2e');
    assert.equal(root.user_id, 'ü-one');
    assert.equal(root.empty, '');
    assert.equal(root.ok, 'true');
    assert.equal(root.n, '42');
    assert.equal(root.ratio, '0.25');
    assert.deepEqual(JSON.parse(root.tags), ['a', 'b']);
    assert.equal(chat.text, '日本語 ✓');
    assert.equal(chat.status_code, 'STATUS_CODE_ERROR');
    assert.equal(chat.status_message, 'rate limited');
    assert.equal(chat.events.length, 1);
    assert.equal(chat.events[0].name, 'retry');
    assert.equal(chat.links.length, 1);
    assert.equal(chat.links[0].span_id, a.rootId);
    assert.equal(root.env, 'e2e');
    assert.equal(root.scope_name, 'tracelake-e2e');
    assert.equal(root.scope_version, '1.0.0');
    assert.deepEqual(root.events, []);

    const logRows = await tableRows('otel_logs', 'trace_id, span_id, event_name, body, severity_number, severity_text, ' +
      'service_name, observed_time_unix_nano, instrumentation_scope.name AS scope_name, ' +
      'instrumentation_scope.version AS scope_version');
    assert.equal(logRows.length, 1, JSON.stringify(logRows));
    // The record's severity text, resource and scope are kept as sent.
    assert.equal(logRows[0].severity_number, 'SEVERITY_NUMBER_INFO');
    assert.equal(logRows[0].severity_text, 'INFO');
    assert.equal(logRows[0].service_name, 'tracelake-e2e');
    assert.equal(logRows[0].scope_name, 'tracelake-e2e-genai');
    assert.equal(logRows[0].scope_version, '1.0.0');
    assert.ok(BigInt(logRows[0].observed_time_unix_nano) > 0n);
    assert.equal(logRows[0].trace_id, a.traceId);
    assert.equal(logRows[0].span_id, a.chatId);
    assert.equal(logRows[0].event_name, 'gen_ai.user.message');
    assert.equal(JSON.parse(logRows[0].body).content, 'hi ✓');

    const ann = await tableRows('otel_annotations', 'annotation_type, target_id, name, value, comment, source_type, deleted_at');
    const tag = ann.find((r) => r.annotation_type === 'TAG' && r.name === 'customer');
    assert.ok(tag, JSON.stringify(ann));
    assert.equal(tag.target_id, a.traceId);
    assert.equal(JSON.parse(tag.value), 'acme');
    const fb = ann.find((r) => r.annotation_type === 'FEEDBACK');
    assert.ok(fb, JSON.stringify(ann));
    assert.equal(fb.name, 'correct');
    assert.equal(JSON.parse(fb.value), false);
    assert.equal(fb.comment, 'wrong total');
    assert.equal(fb.source_type, 'HUMAN');
  });

  test('a second reader (hyparquet) agrees, and every add names its file, size and stats', async () => {
    for (const t of ['otel_spans', 'otel_logs', 'otel_annotations']) {
      const tdir = path.join(lake, `tracelake_${t}`);
      const { files } = liveFiles(tdir);
      assert.ok(files.length > 0, t);
      for (const add of files) {
        const file = path.join(tdir, add.path);
        assert.equal(fs.statSync(file).size, add.size, `${t} ${add.path}: size`);
        const rows = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
        const stats = JSON.parse(add.stats);
        assert.equal(rows.length, stats.numRecords, `${t} ${add.path}: numRecords`);
        if (t === 'otel_spans') {
          assert.ok(!('date' in rows[0]), 'the partition column is not in the file');
          assert.equal(add.partitionValues.date, path.basename(path.dirname(add.path)).slice('date='.length));
          const starts = rows.map((r) => BigInt(r.start_time_unix_nano));
          const min = starts.reduce((a, b) => (a < b ? a : b));
          const max = starts.reduce((a, b) => (a > b ? a : b));
          // Nanoseconds pass 2^53: read them from the JSON text, not through JSON.parse.
          const exact = (section) => BigInt(new RegExp(`"${section}":\\{[^]*?"start_time_unix_nano":(\\d+)`).exec(add.stats)[1]);
          assert.equal(exact('minValues'), min);
          assert.equal(exact('maxValues'), max);
          assert.equal(stats.nullCount.trace_id, 0);
        }
      }
    }
    // Row for row against DuckDB and against what was sent.
    const tdir = path.join(lake, 'tracelake_otel_spans');
    const byHyparquet = new Map();
    for (const add of liveFiles(tdir).files) {
      for (const r of await parquetReadObjects({ file: await asyncBufferFromFile(path.join(tdir, add.path)), compressors })) {
        byHyparquet.set(r.record_id, r);
      }
    }
    const duck = await tableRows('otel_spans', 'record_id, name, status.code AS code, len(events) AS events');
    assert.equal(byHyparquet.size, duck.length);
    for (const d of duck) {
      const h = byHyparquet.get(d.record_id);
      assert.ok(h, d.record_id);
      assert.equal(h.name, d.name);
      assert.equal(h.status?.code, d.code);
      assert.equal((h.events ?? []).length, Number(d.events));
      const s = sent.get(d.record_id);
      assert.ok(s, `${d.record_id} was sent`);
      assert.equal(h.name, s.name);
      for (const [k, v] of Object.entries(s.attributes)) {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        assert.equal(mapGet(h.attributes, k), text, `${d.record_id} attribute ${k}`);
      }
    }
  });

  test('late spans and re-exports add rows once; nothing is written twice', async () => {
    const t0 = Date.now() - 50000;
    const b = await sendTrace('two', t0, { exporter: 'grpc' });
    await caughtUp();
    // A late child of b's root.
    mt.reset();
    const parent = trace.wrapSpanContext({ traceId: b.traceId, spanId: b.rootId, traceFlags: 1 });
    const late = mt.tracer.startSpan('late tool', { startTime: t0 + 70 }, trace.setSpan(context.active(), parent));
    late.end(t0 + 80);
    const ex = EXPORTERS['http/json'](server, { experimentId });
    try {
      await exportItems(ex, mt.finished());
    } finally {
      await ex.shutdown();
    }
    sent.set(record(b.traceId, hexSpanId(late)), mt.finished()[0]);
    await caughtUp();
    const rows = await tableRows('otel_spans', 'record_id');
    const ids = rows.map((r) => r.record_id);
    assert.equal(new Set(ids).size, ids.length, 'no span row twice');
    assert.deepEqual(new Set(ids), new Set(sent.keys()));
  });

  test('a restart and a kill -9 lose and duplicate nothing', async () => {
    await server.restart();
    rest = new RestClient(server.url);
    await sendTrace('three', Date.now() - 40000);
    // kill -9 right after the exporter's 2xx: the sink may be anywhere in its batch.
    server.proc.kill('SIGKILL');
    await server.exited;
    await server.start();
    rest = new RestClient(server.url);
    await sendTrace('four', Date.now() - 30000);
    await caughtUp();
    const rows = await tableRows('otel_spans', 'record_id');
    const ids = rows.map((r) => r.record_id);
    assert.equal(new Set(ids).size, ids.length, 'no span row twice');
    assert.deepEqual(new Set(ids), new Set(sent.keys()));
    // Every commit of every table is whole JSON, and the txn of the sink only grows.
    for (const t of ['otel_spans', 'otel_logs', 'otel_annotations']) {
      const { txns } = liveFiles(path.join(lake, `tracelake_${t}`));
      assert.ok(txns.size <= 1, `one sink appId per table: ${[...txns.keys()]}`);
    }
  });

  test('an unwritable lake never blocks ingest; the sink says so and catches up', async () => {
    const log = path.join(lake, 'tracelake_otel_spans', '_delta_log');
    fs.renameSync(log, `${log}.away`);
    fs.writeFileSync(log, 'not a folder');
    try {
      const c = await sendTrace('five', Date.now() - 20000);
      // Ingest answered; the trace is searchable while the lake cannot be written.
      const info = await rest.ok('GET', `/api/3.0/mlflow/traces/tr-${c.traceId}`);
      assert.ok(info.trace);
      const failing = await waitFor('the sink to report the failure', async () => {
        const s = await rest.ok('GET', '/api/2.0/tracelake/lake');
        return s.last_error && s.lag_changes > 0 ? s : false;
      });
      assert.ok(failing.errors >= 1);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^tracelake_lake_sink_failing 1$/m);
      assert.match(metrics, /^tracelake_lake_sink_lag_changes [1-9]/m);
    } finally {
      fs.rmSync(log);
      fs.renameSync(`${log}.away`, log);
    }
    await caughtUp();
    const rows = await tableRows('otel_spans', 'record_id');
    const ids = rows.map((r) => r.record_id);
    assert.equal(new Set(ids).size, ids.length, 'no span row twice');
    assert.deepEqual(new Set(ids), new Set(sent.keys()));
  });

  test('lake export writes the same tables from the store file, once', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-export-'));
    try {
      const args = ['lake', 'export', '--backend-store-uri', `sqlite:///${path.join(server.dataDir, 'tracelake.db')}`,
                    '--out', out, '--experiment-ids', experimentId];
      const first = await execFileP(tracelakeBinary(), args);
      assert.match(first.stdout, /traces, \d+ spans/);
      assert.match(first.stderr, /exported \d+ traces/);
      const rows = await tableRows('otel_spans', 'record_id', out);
      assert.deepEqual(new Set(rows.map((r) => r.record_id)), new Set(sent.keys()));
      assert.equal(rows.length, sent.size);
      const versions = liveFiles(path.join(out, 'tracelake_otel_spans')).versions;
      const again = await execFileP(tracelakeBinary(), args);
      assert.match(again.stdout, /already up to date/);
      assert.equal(liveFiles(path.join(out, 'tracelake_otel_spans')).versions, versions);
      assert.equal((await tableRows('otel_spans', 'record_id', out)).length, sent.size);
      // Bad input: a clear error and a non-zero exit.
      await assert.rejects(execFileP(tracelakeBinary(), ['lake', 'export', '--out', out, '--since', 'yesterday']),
        (e) => e.code === 2 && /--since must be/.test(e.stderr));
      await assert.rejects(execFileP(tracelakeBinary(), ['lake', 'export']),
        (e) => e.code === 2 && /--out DIR is required/.test(e.stderr));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('uc-exact mode: VARIANT columns under protocol (3,7), read by DuckDB as the values sent', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-uc-'));
    try {
      const store = `sqlite:///${path.join(server.dataDir, 'tracelake.db')}`;
      await execFileP(tracelakeBinary(), ['lake', 'export', '--backend-store-uri', store, '--out', out,
                                          '--experiment-ids', experimentId, '--schema', 'uc-exact', '--quiet']);
      const spansDir = path.join(out, 'tracelake_otel_spans');
      const first = fs.readFileSync(path.join(spansDir, '_delta_log', `${'0'.repeat(20)}.json`), 'utf8')
        .split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const protocol = first.find((a) => a.protocol).protocol;
      assert.deepEqual(protocol, { minReaderVersion: 3, minWriterVersion: 7,
                                   readerFeatures: ['variantType'], writerFeatures: ['variantType'] });
      const meta = first.find((a) => a.metaData).metaData;
      assert.equal(meta.configuration['otel.schemaVersion'], 'v2');
      const schema = JSON.parse(meta.schemaString);
      assert.equal(schema.fields.find((f) => f.name === 'attributes').type, 'variant');
      const portable = fs.readFileSync(path.join(lake, 'tracelake_otel_spans', '_delta_log', `${'0'.repeat(20)}.json`),
        'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((a) => a.metaData).metaData;
      assert.deepEqual(schema.fields.map((f) => f.name), JSON.parse(portable.schemaString).fields.map((f) => f.name));

      // DuckDB reads the VARIANT columns; as JSON they are the attribute values sent, typed.
      const rows = await tableRows('otel_spans', 'record_id, attributes::JSON AS attrs, ' +
        'resource.attributes::JSON AS res', out);
      assert.equal(rows.length, sent.size);
      for (const row of rows) {
        const span = sent.get(row.record_id);
        assert.ok(span, row.record_id);
        const attrs = typeof row.attrs === 'string' ? JSON.parse(row.attrs) : row.attrs;
        // Every attribute sent, typed; besides them only what the store adds as MLflow does
        // (mlflow.llm.cost on LLM spans).
        for (const [k, v] of Object.entries(span.attributes)) assert.deepEqual(attrs[k], v, `${row.record_id} ${k}`);
        for (const k of Object.keys(attrs)) assert.ok(k in span.attributes || k.startsWith('mlflow.'), k);
        const res = typeof row.res === 'string' ? JSON.parse(row.res) : row.res;
        assert.equal(res['service.name'], span.resource.attributes['service.name']);
      }
      const logs = await tableRows('otel_logs', 'body::JSON AS body, severity_text', out);
      assert.equal(logs.length, 1);
      const body = typeof logs[0].body === 'string' ? JSON.parse(logs[0].body) : logs[0].body;
      assert.deepEqual(body, { content: 'hi ✓' });
      const ann = await tableRows('otel_annotations', 'annotation_type, name, value::JSON AS value', out);
      const tag = ann.find((r) => r.annotation_type === 'TAG' && r.name === 'customer');
      assert.ok(tag, JSON.stringify(ann));
      assert.equal(typeof tag.value === 'string' ? JSON.parse(tag.value) : tag.value, 'acme');

      // optimize and vacuum find the mode by themselves; the other mode over it is refused.
      const opt = await execFileP(tracelakeBinary(), ['lake', 'optimize', '--location', out]);
      assert.match(opt.stdout + opt.stderr, /tracelake_otel_spans/);
      assert.equal((await tableRows('otel_spans', 'record_id', out)).length, sent.size);
      await assert.rejects(execFileP(tracelakeBinary(), ['lake', 'export', '--backend-store-uri', store,
                                                         '--out', out, '--quiet']),
        (e) => e.code !== 0 && /schema mode/.test(e.stderr));
      await assert.rejects(execFileP(tracelakeBinary(), ['lake', 'export', '--out', out, '--schema', 'exact']),
        (e) => e.code === 2 && /portable or uc-exact/.test(e.stderr));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
  test('upkeep compacts the small files of each commit and vacuums them; rows stay once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-upkeep-'));
    const other = await startServer({ extraArgs: ['--lake-location', dir, '--lake-interval', '1',
      '--lake-maintenance-interval', '3', '--lake-vacuum-retention-hours', '0'] });
    try {
      const otherRest = new RestClient(other.url);
      const exp = await otherRest.createExperiment(`e2e-upkeep-${process.pid}`);
      const ids = new Set();
      const status = () => otherRest.ok('GET', '/api/2.0/tracelake/lake');
      for (let i = 0; i < 3; ++i) {
        // 01:00 UTC today: one date partition even when the test runs around midnight.
        const t0 = Math.floor(Date.now() / 86400000) * 86400000 + 3600000 + i * 1000;
        const t = await sendTrace(`upkeep-${i}`, t0, { target: other, experiment: exp });
        ids.add(t.traceId);
        // Each trace in its own commit, so each its own small file.
        const before = (await status()).commits;
        await waitFor('a commit', async () => (await status()).commits > before && (await status()).lag_changes === 0);
      }
      const spansDir = path.join(dir, 'tracelake_otel_spans');
      // Three commits made three files (one day); upkeep leaves one, and deletes the others.
      const upkept = await waitFor('compaction and vacuum', async () => {
        const s = await status();
        return s.maintenance.files_compacted >= 3 && s.maintenance.files_vacuumed >= 3 &&
          liveFiles(spansDir).files.length === 1 ? s : false;
      });
      assert.equal(upkept.maintenance.errors, 0);
      const metrics = await (await fetch(`${other.url}/metrics`)).text();
      assert.match(metrics, /tracelake_lake_sink_compacted_files_total [1-9]/);
      assert.match(metrics, /tracelake_lake_sink_vacuumed_files_total [1-9]/);
      const { files } = liveFiles(spansDir);
      // Every data file on disk is a live one: the compacted-away files were vacuumed.
      const onDisk = [];
      for (const sub of fs.readdirSync(spansDir).filter((d) => d.startsWith('date='))) {
        for (const f of fs.readdirSync(path.join(spansDir, sub))) onDisk.push(`${sub}/${f}`);
      }
      assert.deepEqual(new Set(onDisk), new Set(files.map((f) => f.path)));
      const rows = await tableRows('otel_spans', 'trace_id, span_id', dir);
      assert.equal(rows.length, ids.size * 2, JSON.stringify(rows));
      assert.equal(new Set(rows.map((r) => `${r.trace_id}:${r.span_id}`)).size, rows.length);
      assert.deepEqual(new Set(rows.map((r) => r.trace_id)), ids);
    } finally {
      await other.stopCleanly();
      other.removeDataDir();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
