// The metrics REST API (docs/metrics.md) against the real server: known traces in, exact counts,
// token sums and costs out (priced by the shipped table and a --prices file, unknown models
// unpriced), percentiles within the sketch's 1% error, rollups equal to raw rows after late
// roots and re-delivered spans, filters, errors, trace costs, and /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { EXPORTERS, exportItems, memoryTracer, trace, context, SpanStatusCode } from '../lib/otel.js';

const HOUR = 3600e3;
const N = 12;
const MODELS = ['gpt-4o', 'house-llm', 'mystery-llm'];
// USD per million tokens: gpt-4o from the shipped table, house-llm from the --prices file.
const PRICES = { 'gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 }, 'house-llm': { input: 1, cached_input: 0.5, output: 2 } };

function expectedCost(model, input, cached, output) {
  const p = PRICES[model];
  if (!p) return null;
  return ((input - cached) * p.input + cached * p.cached_input + output * p.output) / 1e6;
}

// Trace i: root "agent" ((i+1) x 100 ms; every 4th fails with ValueError), an "llm" call
// (model i % 3, known tokens) and a "search" tool (every 6th fails with TimeoutError), 10
// minutes apart from t0. Returns [children, roots] so roots can arrive late.
function buildTraces(t0) {
  const mt = memoryTracer();
  const { tracer } = mt;
  const expected = [];
  for (let i = 0; i < N; i++) {
    const start = t0 + i * 10 * 60e3 + 5000;
    const root = tracer.startSpan('agent', { startTime: start });
    const ctx = trace.setSpan(context.active(), root);
    const model = MODELS[i % 3];
    const usage = { input: 1000 + i, output: 100 + i, cached: i % 2 ? 200 : 0 };
    const llm = tracer.startSpan('llm', { startTime: start + 10, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': usage.input, 'gen_ai.usage.output_tokens': usage.output,
      'gen_ai.usage.cache_read.input_tokens': usage.cached } }, ctx);
    llm.end(start + 60);
    const tool = tracer.startSpan('search', { startTime: start + 60 }, ctx);
    if (i % 6 === 5) {
      tool.recordException({ name: 'TimeoutError', message: 'too slow' });
      tool.setStatus({ code: SpanStatusCode.ERROR });
    }
    tool.end(start + 80);
    if (i % 4 === 3) {
      root.recordException({ name: 'ValueError', message: 'bad input' });
      root.setStatus({ code: SpanStatusCode.ERROR });
    }
    root.end(start + (i + 1) * 100);
    expected.push({ i, model, usage, traceId: root.spanContext().traceId, error: i % 4 === 3 });
  }
  const spans = mt.finished();
  const roots = spans.filter((s) => s.name === 'agent');
  const children = spans.filter((s) => s.name !== 'agent');
  return { children, roots, expected };
}

describe('metrics API', () => {
  let server, rest, experimentId, t0, data, pricesFile;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'tl-prices-'));
    pricesFile = path.join(dir, 'prices.json');
    fs.writeFileSync(pricesFile, JSON.stringify({ models: { 'house-llm': PRICES['house-llm'] } }));
    server = await startServer({ extraArgs: ['--prices', pricesFile] });
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('metrics-e2e');
    t0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    data = buildTraces(t0);
    const exporter = EXPORTERS['http/protobuf'](server, { experimentId });
    try {
      await exportItems(exporter, data.children);  // roots arrive later: fragmented first
      await exportItems(exporter, data.roots);
      await exportItems(exporter, data.children.slice(0, 6));  // an exporter retry
    } finally {
      await exporter.shutdown();
    }
    // Every even trace belongs to user bob.
    for (const e of data.expected.filter((x) => x.i % 2 === 0))
      await rest.ok('PATCH', `/api/3.0/mlflow/traces/tr-${e.traceId}/tags`, { key: 'user', value: 'bob' });
  });

  after(async () => {
    await server?.stopCleanly();
    server?.removeDataDir();
    fs.rmSync(path.dirname(pricesFile), { recursive: true, force: true });
  });

  const query = (body) => rest.ok('POST', '/api/2.0/tracelake/metrics/query',
    { experiment_ids: [experimentId], start_time_ms: t0, end_time_ms: t0 + 3 * HOUR, ...body });
  const only = (r) => {
    assert.equal(r.series.length, 1, JSON.stringify(r));
    assert.equal(r.series[0].points.length, 1);
    return r.series[0].points[0].values;
  };
  const near = (actual, expected, rel, what) =>
    assert.ok(Math.abs(actual - expected) <= rel * expected + 1e-6, `${what}: ${actual} vs ${expected}`);

  test('trace counts, errors and latency percentiles over the whole window', async () => {
    const metrics = ['trace_count', 'error_count', 'error_rate', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms'];
    const fast = await query({ metrics });
    assert.equal(fast.source, 'rollups');
    const v = only(fast);
    assert.equal(v.trace_count, 12);
    assert.equal(v.error_count, 3);
    assert.equal(v.error_rate, 0.25);
    // Durations 100..1200 ms; rank floor(q * 11): p50 -> 600, p90 -> 1000, p99 -> 1100.
    near(v.latency_p50_ms, 600, 0.01, 'p50');
    near(v.latency_p90_ms, 1000, 0.01, 'p90');
    near(v.latency_p99_ms, 1100, 0.01, 'p99');
    const exact = only(await query({ metrics, exact: true }));
    near(exact.latency_p50_ms, 600, 1e-6, 'exact p50');
    near(exact.latency_p99_ms, 1100, 1e-6, 'exact p99');
    assert.equal(exact.trace_count, 12);
  });

  test('hourly buckets and grouping by status', async () => {
    const r = await query({ bucket_ms: HOUR, metrics: ['trace_count', 'error_count'] });
    assert.deepEqual(r.series[0].points.map((p) => [p.time_ms - t0, p.values.trace_count, p.values.error_count]),
                     [[0, 6, 1], [HOUR, 6, 2], [2 * HOUR, 0, 0]]);
    const by = await query({ metrics: ['trace_count'], group_by: ['status'] });
    const counts = Object.fromEntries(by.series.map((s) => [s.group.status, s.points[0].values.trace_count]));
    assert.deepEqual(counts, { ERROR: 3, OK: 9 });
  });

  test('token sums and cost per model; unknown models are unpriced, not free', async () => {
    const r = await query({ metrics: ['input_tokens', 'output_tokens', 'cached_input_tokens', 'total_tokens', 'cost_usd', 'unpriced_tokens'], group_by: ['model'] });
    const byModel = Object.fromEntries(r.series.map((s) => [s.group.model, s.points[0].values]));
    for (const model of MODELS) {
      const es = data.expected.filter((e) => e.model === model);
      const input = es.reduce((a, e) => a + e.usage.input, 0);
      const output = es.reduce((a, e) => a + e.usage.output, 0);
      const cached = es.reduce((a, e) => a + e.usage.cached, 0);
      const v = byModel[model];
      assert.ok(v, `no series for ${model}: ${JSON.stringify(r)}`);
      assert.equal(v.input_tokens, input, model);
      assert.equal(v.output_tokens, output, model);
      assert.equal(v.cached_input_tokens, cached, model);
      assert.equal(v.total_tokens, input + output, model);
      const cost = es.reduce((a, e) => a + (expectedCost(model, e.usage.input, e.usage.cached, e.usage.output) ?? 0), 0);
      if (PRICES[model]) {
        near(v.cost_usd, cost, 1e-9, `${model} cost`);
        assert.equal(v.unpriced_tokens, 0);
      } else {
        assert.equal(v.cost_usd, null, `${model} must be unpriced`);
        assert.equal(v.unpriced_tokens, input + output);
      }
    }
    // Totals over all models: the priced part, and the unpriced tokens beside it.
    const total = only(await query({ metrics: ['cost_usd', 'unpriced_tokens', 'total_tokens'] }));
    near(total.cost_usd, byModel['gpt-4o'].cost_usd + byModel['house-llm'].cost_usd, 1e-9, 'total cost');
    assert.equal(total.unpriced_tokens, byModel['mystery-llm'].unpriced_tokens);
  });

  test('span metrics by span name and by error type', async () => {
    const r = await query({ metrics: ['span_count', 'span_error_count', 'span_latency_p50_ms'], group_by: ['span_name'] });
    const byName = Object.fromEntries(r.series.map((s) => [s.group.span_name, s.points[0].values]));
    assert.deepEqual(Object.keys(byName).sort(), ['agent', 'llm', 'search']);
    for (const name of ['agent', 'llm', 'search']) assert.equal(byName[name].span_count, 12, name);
    assert.equal(byName.search.span_error_count, 2);
    near(byName.llm.span_latency_p50_ms, 50, 0.01, 'llm p50');
    near(byName.search.span_latency_p50_ms, 20, 0.01, 'search p50');
    const e = await query({ metrics: ['span_error_count'], group_by: ['error_type'] });
    const byType = Object.fromEntries(e.series.map((s) => [s.group.error_type, s.points[0].values.span_error_count]));
    assert.deepEqual(byType, { '': 0, TimeoutError: 2, ValueError: 3 });
  });

  test('a filter reads raw rows with the search grammar; tags group too', async () => {
    const r = await query({ metrics: ['trace_count', 'error_count', 'input_tokens'], filter: "tags.user = 'bob'" });
    assert.equal(r.source, 'raw');
    const v = only(r);
    const bob = data.expected.filter((e) => e.i % 2 === 0);
    assert.equal(v.trace_count, bob.length);
    assert.equal(v.error_count, 0);
    assert.equal(v.input_tokens, bob.reduce((a, e) => a + e.usage.input, 0));
    const g = await query({ metrics: ['trace_count'], group_by: ['tag.user'] });
    const byUser = Object.fromEntries(g.series.map((s) => [String(s.group['tag.user']), s.points[0].values.trace_count]));
    assert.deepEqual(byUser, { bob: 6, null: 6 });
  });

  test('bad requests answer MLflow-shaped errors', async () => {
    for (const body of [
      { metrics: ['no_such_metric'] },
      { metrics: ['trace_count'], group_by: ['span_name'] },
      { metrics: ['trace_count'], group_by: ['nonsense'] },
      { metrics: ['trace_count'], filter: 'status ==' },
      { metrics: ['trace_count'], end_time_ms: t0 - 1 },
      { metrics: ['trace_count'], bucket_ms: 1 },
    ]) {
      const r = await rest.request('POST', '/api/2.0/tracelake/metrics/query',
        { experiment_ids: [experimentId], start_time_ms: t0, end_time_ms: t0 + 3 * HOUR, ...body });
      assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.status} ${r.text}`);
      assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', r.text);
    }
    const missing = await rest.request('POST', '/api/2.0/tracelake/metrics/query',
      { experiment_ids: ['424242'], start_time_ms: t0, end_time_ms: t0 + HOUR, metrics: ['trace_count'] });
    assert.equal(missing.status, 404, missing.text);
  });

  test('trace cost: priced, partly unpriced, no usage', async () => {
    const ids = data.expected.slice(0, 3).map((e) => `tr-${e.traceId}`);
    const r = await rest.ok('POST', '/api/2.0/tracelake/traces/costs', { trace_ids: ids });
    assert.equal(r.traces.length, 3);
    const [a, b, c] = r.traces;
    const e = data.expected;
    near(a.cost_usd, expectedCost('gpt-4o', e[0].usage.input, e[0].usage.cached, e[0].usage.output), 1e-9, 'gpt-4o trace');
    near(b.cost_usd, expectedCost('house-llm', e[1].usage.input, e[1].usage.cached, e[1].usage.output), 1e-9, 'house trace');
    assert.equal(c.cost_usd, null);
    assert.deepEqual(c.unpriced_models, ['mystery-llm']);
  });

  test('/metrics exposes ingest, refusals by reason, queue, latency and store size', async () => {
    const res = await fetch(`${server.url}/metrics`);
    const text = await res.text();
    for (const re of [/^tracelake_ingested_spans_total \d+$/m, /^tracelake_refused_spans_total\{reason="invalid"\} \d+$/m,
                      /^tracelake_refused_spans_total\{reason="throttled"\} \d+$/m, /^tracelake_ingest_queue_depth \d+$/m,
                      /^tracelake_http_request_duration_seconds_bucket\{group="mlflow_api",le="\+Inf"\} [1-9]\d*$/m,
                      /^tracelake_store_bytes [1-9]\d*$/m]) {
      assert.match(text, re);
    }
  });
});
