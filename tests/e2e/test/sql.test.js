// SQL over the trace tables (docs/sql.md) against the real server: spans sent by the real OTel
// JS exporter come back from otel_spans over POST /api/2.0/tracelake/sql and `tracelake sql`
// with every field equal to what was sent (attributes by the portable rule, events, status,
// nulls, empty and unicode strings); the traces view agrees with MLflow's REST API; a GROUP BY
// answers "slowest tool by model"; writes, ATTACH, pragmas, bad SQL and runaway queries get
// MLflow-shaped errors; and ingest goes on while a long query runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, tracelakeBinary } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import {
  EXPORTERS, exportItems, memoryTracer, recordAgentTrace, trace, context, SpanKind,
  SpanStatusCode, hexSpanId, parentOf,
} from '../lib/otel.js';

const run = promisify(execFile);

async function tracelake(...args) {
  try {
    const { stdout, stderr } = await run(tracelakeBinary(), args, { timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const KINDS = ['SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER'];  // by the JS SDK's SpanKind (OTLP's minus 1)
const CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const nanos = (hr) => (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();

// The portable rule: strings as they are, other values as JSON text.
function portable(attrs) {
  const out = {};
  for (const [k, v] of Object.entries(attrs ?? {})) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

// The trace whose spans test unicode, empty strings, missing values, sessions and users.
function recordCheckoutTrace(mt, t0) {
  const root = mt.tracer.startSpan('checkout ✓ 日本', {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: {
      'session.id': 'sess-ü-1', 'user.id': 'ann', customer: 'Ünïcode Corp', empty: '',
      'gen_ai.request.model': 'house-llm',
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const child = mt.tracer.startSpan('no attributes', { startTime: t0 + 5 }, ctx);
  child.end(t0 + 6);
  root.end(t0 + 50);
  return root.spanContext().traceId;
}

describe('SQL over the trace tables', () => {
  let server;
  let rest;
  let agent;
  let agent2;
  let checkoutId;
  let sent;

  const sql = (query, maxRows) => rest.request('POST', '/api/2.0/tracelake/sql',
    maxRows === undefined ? { query } : { query, max_rows: maxRows });
  const sqlOk = async (query, maxRows) => {
    const r = await sql(query, maxRows);
    assert.equal(r.status, 200, `${query} -> ${r.status}: ${r.text.slice(0, 500)}`);
    return r.body;
  };
  // Rows as objects keyed by column name.
  const objects = (answer) => answer.rows.map((row) =>
    Object.fromEntries(answer.columns.map((c, i) => [c.name, row[i]])));

  before(async () => {
    server = await startServer({ extraArgs: ['--sql-time-limit', '2'] });
    rest = new RestClient(server.url);
    const mt = memoryTracer({ 'deployment.environment': 'e2e' });
    const t0 = Date.now() - 120000;
    agent = recordAgentTrace(mt, { tag: 'sql-ü', t0 });
    agent2 = recordAgentTrace(mt, { tag: 'sql-2', t0: t0 + 1000 });
    checkoutId = recordCheckoutTrace(mt, t0 + 2000);
    sent = mt.finished();
    await exportItems(EXPORTERS['http/protobuf'](server), sent);
    await mt.shutdown();
  });

  after(async () => {
    if (server) {
      await server.stopCleanly();
      server.removeDataDir();
    }
  });

  test('otel_spans holds every span as sent', async () => {
    const answer = await sqlOk(
      'SELECT * FROM otel_spans ORDER BY start_time_unix_nano, span_id', 100);
    assert.equal(answer.truncated, false);
    assert.deepEqual(answer.columns.map((c) => c.name), [
      'record_id', 'time', 'date', 'service_name', 'trace_id', 'span_id', 'parent_span_id',
      'trace_state', 'flags', 'name', 'kind', 'start_time_unix_nano', 'end_time_unix_nano',
      'attributes', 'dropped_attributes_count', 'dropped_events_count', 'dropped_links_count',
      'events', 'links', 'status', 'resource', 'resource_schema_url', 'span_schema_url',
      'instrumentation_scope']);
    const rows = objects(answer);
    assert.equal(rows.length, sent.length);
    for (const s of sent) {
      const id = hexSpanId(s);
      const row = rows.find((r) => r.span_id === id);
      assert.ok(row, `span ${s.name} missing`);
      const traceId = s.spanContext().traceId;
      assert.equal(row.trace_id, traceId);
      assert.equal(row.record_id, `${traceId}:${id}`);
      assert.equal(row.parent_span_id, parentOf(s));
      assert.equal(row.name, s.name);
      assert.equal(row.kind, KINDS[s.kind]);
      assert.equal(String(row.start_time_unix_nano), nanos(s.startTime));
      assert.equal(String(row.end_time_unix_nano), nanos(s.endTime));
      assert.equal(row.time, new Date(Number(BigInt(nanos(s.startTime)) / 1000000n)).toISOString()
        .replace('Z', `${String(Number(BigInt(nanos(s.startTime)) / 1000n % 1000n)).padStart(3, '0')}Z`));
      assert.equal(row.date, row.time.slice(0, 10));
      assert.equal(row.service_name, 'tracelake-e2e');
      // The server prices LLM spans at ingest and keeps the cost as MLflow does, in the span's
      // mlflow.llm.cost attribute (docs/metrics.md): the one attribute not sent.
      const attributes = JSON.parse(row.attributes);
      if (s.attributes['gen_ai.usage.input_tokens'] !== undefined) {
        assert.ok(JSON.parse(attributes['mlflow.llm.cost']).total_cost > 0, s.name);
        delete attributes['mlflow.llm.cost'];
      }
      assert.deepEqual(attributes, portable(s.attributes));
      assert.deepEqual(JSON.parse(row.status),
        { message: s.status.message ?? '', code: CODES[s.status.code] });
      assert.deepEqual(JSON.parse(row.events), s.events.map((e) => ({
        time_unix_nano: Number(nanos(e.time)), name: e.name, attributes: portable(e.attributes),
        dropped_attributes_count: 0,
      })));
      assert.equal(row.links, '[]');
      const resource = JSON.parse(row.resource);
      assert.equal(resource.attributes['service.name'], 'tracelake-e2e');
      assert.equal(resource.attributes['deployment.environment'], 'e2e');
      assert.deepEqual(JSON.parse(row.instrumentation_scope),
        { name: 'tracelake-e2e', version: '1.0.0', attributes: {}, dropped_attributes_count: 0 });
      assert.equal(row.trace_state, '');
      // Trace flags in the low byte; the exporter may set OTLP's has-is-remote bits above.
      assert.equal(row.flags & 0xff, s.spanContext().traceFlags);
    }
  });

  test('json_extract reads attributes, unicode and empty strings', async () => {
    const rows = objects(await sqlOk(`
      SELECT name, json_extract(attributes, '$.customer') AS customer,
             json_extract(attributes, '$.empty') AS empty,
             json_extract(attributes, '$.missing') AS missing
      FROM otel_spans WHERE trace_id = '${checkoutId}' ORDER BY start_time_unix_nano`));
    assert.deepEqual(rows, [
      { name: 'checkout ✓ 日本', customer: 'Ünïcode Corp', empty: '', missing: null },
      { name: 'no attributes', customer: null, empty: null, missing: null },
    ]);
    const typed = objects(await sqlOk(`
      SELECT json_extract(attributes, '$."e2e.int"') AS i, json_extract(attributes, '$."e2e.double"') AS d,
             json_extract(attributes, '$."e2e.bool"') AS b, json_extract(attributes, '$."e2e.strings"') AS a
      FROM otel_spans WHERE trace_id = '${agent.traceId}' AND name = 'retrieve docs'`));
    assert.deepEqual(typed, [{ i: '7', d: '2.5', b: 'true', a: '["a","b"]' }]);
  });

  test('the traces view agrees with the REST API', async () => {
    const rows = objects(await sqlOk('SELECT * FROM traces ORDER BY request_time'));
    assert.equal(rows.length, 3);
    for (const t of [agent, agent2]) {
      const row = rows.find((r) => r.trace_id === t.traceId);
      const { info } = await rest.getTrace(t.traceId);
      assert.equal(row.request_id, `tr-${t.traceId}`);
      assert.equal(row.experiment_id, String(info.trace_location.mlflow_experiment.experiment_id));
      assert.equal(row.state, info.state);
      assert.equal(row.name, 'agent.run');
      assert.equal(row.span_count, 5);
      assert.equal(row.execution_duration_ms, Math.round(Number.parseFloat(info.execution_duration) * 1000));
      assert.equal(Date.parse(row.request_time), Date.parse(info.request_time));
      assert.equal(row.request_time_ms, Date.parse(info.request_time));
      const usage = JSON.parse(info.trace_metadata['mlflow.trace.tokenUsage']);
      assert.deepEqual([row.input_tokens, row.output_tokens, row.total_tokens],
        [usage.input_tokens, usage.output_tokens, usage.total_tokens]);
      const cost = JSON.parse(info.trace_metadata['mlflow.trace.cost']);
      assert.ok(Math.abs(row.cost - cost.total_cost) < 1e-12, `${row.cost} vs ${cost.total_cost}`);
    }
    const checkout = rows.find((r) => r.trace_id === checkoutId);
    assert.equal(checkout.session, 'sess-ü-1');
    assert.equal(checkout.user, 'ann');
    assert.equal(checkout.cost, null);  // house-llm has no price
    assert.equal(checkout.input_tokens, null);
  });

  test('slowest tool by model is one GROUP BY', async () => {
    const answer = await sqlOk(`
      SELECT json_extract(llm.attributes, '$."gen_ai.request.model"') AS model,
             json_extract(tool.attributes, '$."gen_ai.tool.name"') AS tool,
             count(DISTINCT tool.span_id) AS calls,
             max((tool.end_time_unix_nano - tool.start_time_unix_nano) / 1e6) AS slowest_ms
      FROM otel_spans tool
      JOIN otel_spans llm ON llm.trace_id = tool.trace_id
        AND json_extract(llm.attributes, '$."gen_ai.operation.name"') = 'chat'
      WHERE json_extract(tool.attributes, '$."gen_ai.operation.name"') = 'execute_tool'
      GROUP BY model, tool ORDER BY slowest_ms DESC, model`);
    assert.deepEqual(answer.columns.map((c) => c.name), ['model', 'tool', 'calls', 'slowest_ms']);
    assert.deepEqual(answer.rows, [['gpt-4o', 'lookup', 2, 90], ['gpt-4o-mini', 'lookup', 2, 90]]);
  });

  test('cost per customer with contract prices is one query', async () => {
    // The root's e2e.tag stands for the customer; prices in USD per million tokens.
    const rows = objects(await sqlOk(`
      WITH prices(model, usd_in, usd_out) AS (VALUES ('gpt-4o', 2.0, 8.0), ('gpt-4o-mini', 0.1, 0.4))
      SELECT json_extract(root.attributes, '$."e2e.tag"') AS customer,
             sum(CAST(json_extract(s.attributes, '$."gen_ai.usage.input_tokens"') AS INTEGER) * p.usd_in
               + CAST(json_extract(s.attributes, '$."gen_ai.usage.output_tokens"') AS INTEGER) * p.usd_out)
               / 1e6 AS usd
      FROM otel_spans s
      JOIN prices p ON p.model = json_extract(s.attributes, '$."gen_ai.request.model"')
      JOIN otel_spans root ON root.trace_id = s.trace_id AND root.parent_span_id = ''
      GROUP BY customer ORDER BY customer`));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => r.customer), ['sql-2', 'sql-ü']);
    for (const r of rows) assert.ok(Math.abs(r.usd - 496e-6) < 1e-12, `${r.customer}: ${r.usd}`);
  });

  test('row limit, nulls and types', async () => {
    const answer = await sqlOk('SELECT span_id, NULL AS n, 1.5 AS r FROM otel_spans', 3);
    assert.equal(answer.rows.length, 3);
    assert.equal(answer.truncated, true);
    assert.deepEqual(answer.columns, [{ name: 'span_id', type: 'TEXT' }, { name: 'n', type: 'NULL' },
      { name: 'r', type: 'REAL' }]);
    assert.equal(answer.rows[0][1], null);
  });

  test('errors have MLflow\'s shape', async () => {
    const cases = [
      ['SELEC 1', /syntax error/],
      ['SELECT nope FROM otel_spans', /no such column: nope/],
      ['DELETE FROM spans', /DELETE is refused/],
      ['INSERT INTO experiments(name) VALUES (\'x\')', /INSERT is refused/],
      ["ATTACH DATABASE '/tmp/x.db' AS x", /ATTACH/],
      ['PRAGMA writable_schema = ON', /PRAGMA/],
      ['SELECT 1; SELECT 2', /one SQL statement/],
    ];
    for (const [query, message] of cases) {
      const r = await sql(query);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', query);
      assert.match(r.body.message, message, query);
    }
    const missing = await rest.request('POST', '/api/2.0/tracelake/sql', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error_code, 'INVALID_PARAMETER_VALUE');
    const badRows = await sql('SELECT 1', 0);
    assert.equal(badRows.status, 400);
    const runaway = await sql(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n');
    assert.equal(runaway.status, 504, runaway.text);
    assert.equal(runaway.body.error_code, 'DEADLINE_EXCEEDED');
    assert.match(runaway.body.message, /time limit/);
    // Nothing changed.
    assert.deepEqual((await sqlOk('SELECT count(*) FROM otel_spans')).rows, [[sent.length]]);
  });

  test('ingest goes on while a long query runs', async () => {
    let finished = false;
    const long = sql('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) '
      + 'SELECT max(i) FROM n, (SELECT count(*) FROM otel_spans)').then((r) => {
      finished = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    const mt = memoryTracer();
    const late = recordAgentTrace(mt, { tag: 'during-query' });
    const started = Date.now();
    await exportItems(EXPORTERS['http/protobuf'](server), mt.finished());
    const took = Date.now() - started;
    assert.equal(finished, false, 'the export waited for the query');
    assert.ok(took < 1500, `export took ${took} ms while a query ran`);
    const r = await long;
    assert.equal(r.status, 504);
    const rows = (await sqlOk(`SELECT count(*) FROM otel_spans WHERE trace_id = '${late.traceId}'`)).rows;
    assert.deepEqual(rows, [[5]]);
    await mt.shutdown();
  });

  test('tracelake sql prints a table, CSV and JSON', async () => {
    const query = `SELECT name, kind FROM otel_spans WHERE trace_id = '${checkoutId}' ORDER BY start_time_unix_nano`;
    const table = await tracelake('sql', '--server', server.url, query);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout,
      'name          | kind\n'
      + '--------------+-------------------\n'
      + 'checkout ✓ 日本 | SPAN_KIND_SERVER\n'
      + 'no attributes | SPAN_KIND_INTERNAL\n');
    assert.match(table.stderr, /\(2 rows\)/);

    const csv = await tracelake('sql', '--server', server.url, '--format', 'csv', query);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, 'name,kind\r\ncheckout ✓ 日本,SPAN_KIND_SERVER\r\nno attributes,SPAN_KIND_INTERNAL\r\n');

    const json = await tracelake('sql', '--server', server.url, '--format', 'json', '--max-rows', '1', query);
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.deepEqual(body.rows, [['checkout ✓ 日本', 'SPAN_KIND_SERVER']]);
    assert.equal(body.truncated, true);

    const refused = await tracelake('sql', '--server', server.url, 'DELETE FROM spans');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /INVALID_PARAMETER_VALUE.*DELETE is refused/);
    const usage = await tracelake('sql', '--server', server.url);
    assert.equal(usage.code, 2);
  });
});
