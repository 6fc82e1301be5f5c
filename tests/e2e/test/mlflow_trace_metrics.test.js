// MLflow 3's own trace-metrics API (POST /api/3.0/mlflow/traces/metrics, docs/metrics.md)
// against the real server: known traces and assessments in, exactly what MLflow's SQL store
// computes out: counts and token sums exactly, percentiles by linear interpolation (numpy's
// default) exactly, ISO time buckets, MLflow's metric filters, and MLflow-shaped errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { EXPORTERS, exportItems, memoryTracer, trace, context, SpanStatusCode } from '../lib/otel.js';

const HOUR = 3600e3;
const N = 12;
const MODELS = ['gpt-4o', 'house-llm', 'mystery-llm'];
const PATH = '/api/3.0/mlflow/traces/metrics';

// numpy.percentile(values, p) with the default linear interpolation.
function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  const h = (p / 100) * (v.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

// What MLflow reports for a bucket: datetime.fromtimestamp(ms / 1000, tz=utc).isoformat().
const isoBucket = (ms) => new Date(ms).toISOString().replace('.000Z', '+00:00');

// Trace i, 10 minutes apart from t0: root "agent" of (i+1) x 100 ms (every 4th fails), an "llm"
// call of 50 ms (model i % 3, input 1000+i and output 100+i tokens, 200 cached on odd i) and a
// "search" tool of 20 ms (every 6th fails).
function buildTraces(t0) {
  const { tracer, finished } = memoryTracer();
  const expected = [];
  for (let i = 0; i < N; i++) {
    const start = t0 + i * 10 * 60e3 + 5000;
    const root = tracer.startSpan('agent', { startTime: start });
    const ctx = trace.setSpan(context.active(), root);
    const attributes = {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODELS[i % 3],
      'gen_ai.usage.input_tokens': 1000 + i, 'gen_ai.usage.output_tokens': 100 + i };
    if (i % 2) attributes['gen_ai.usage.cache_read.input_tokens'] = 200;
    tracer.startSpan('llm', { startTime: start + 10, attributes }, ctx).end(start + 60);
    const tool = tracer.startSpan('search', { startTime: start + 60 }, ctx);
    if (i % 6 === 5) tool.setStatus({ code: SpanStatusCode.ERROR });
    tool.end(start + 80);
    if (i % 4 === 3) root.setStatus({ code: SpanStatusCode.ERROR });
    root.end(start + (i + 1) * 100);
    expected.push({ i, traceId: `tr-${root.spanContext().traceId}` });
  }
  return { spans: finished(), expected };
}

describe('MLflow trace metrics API', () => {
  let server, rest, experimentId, t0, data;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('mlflow-trace-metrics-e2e');
    t0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    data = buildTraces(t0);
    const exporter = EXPORTERS['http/protobuf'](server, { experimentId });
    try {
      await exportItems(exporter, data.spans);
    } finally {
      await exporter.shutdown();
    }
    for (const e of data.expected) {
      if (e.i % 2 === 0)
        await rest.ok('PATCH', `/api/3.0/mlflow/traces/${e.traceId}/tags`, { key: 'user', value: 'bob' });
      const source = { source_type: 'HUMAN', source_id: 'reviewer' };
      for (const [name, value] of [['correct', e.i % 3 !== 0], ['score', e.i / 10]]) {
        await rest.ok('POST', `/api/3.0/mlflow/traces/${e.traceId}/assessments`,
          { assessment: { assessment_name: name, source, feedback: { value } } });
      }
    }
  });

  after(async () => {
    await server?.stopCleanly();
    server?.removeDataDir();
  });

  const query = (body) => rest.ok('POST', PATH,
    { experiment_ids: [experimentId], start_time_ms: t0, end_time_ms: t0 + 3 * HOUR, ...body });
  const agg = (...types) => types.map((t) => ({ aggregation_type: t }));
  const pct = (p) => ({ aggregation_type: 'PERCENTILE', percentile_value: p });
  const byDim = (r, dim) => Object.fromEntries(r.data_points.map((p) => [p.dimensions[dim], p.values]));
  const near = (actual, expected, what) =>
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
      `${what}: ${actual} vs ${expected}`);

  test('trace counts by status and by name', async () => {
    const r = await query({ view_type: 'TRACES', metric_name: 'trace_count', aggregations: agg('COUNT'),
      dimensions: ['trace_status'] });
    assert.deepEqual(r.data_points, [
      { metric_name: 'trace_count', dimensions: { trace_status: 'ERROR' }, values: { COUNT: 3 } },
      { metric_name: 'trace_count', dimensions: { trace_status: 'OK' }, values: { COUNT: 9 } },
    ]);
    const named = await query({ view_type: 'TRACES', metric_name: 'trace_count', aggregations: agg('COUNT'),
      dimensions: ['trace_name'] });
    assert.deepEqual(byDim(named, 'trace_name'), { agent: { COUNT: 12 } });
  });

  test('trace latency: average and interpolated percentiles, exactly', async () => {
    const latencies = Array.from({ length: N }, (_, i) => (i + 1) * 100);
    const r = await query({ view_type: 'TRACES', metric_name: 'latency',
      aggregations: [...agg('AVG'), pct(50), pct(90), pct(99)], dimensions: ['trace_name'] });
    assert.equal(r.data_points.length, 1, JSON.stringify(r));
    const v = r.data_points[0].values;
    near(v.AVG, 650, 'AVG');
    near(v['P50.0'], percentile(latencies, 50), 'P50');  // 650
    near(v['P90.0'], percentile(latencies, 90), 'P90');  // 1090
    near(v['P99.0'], percentile(latencies, 99), 'P99');  // 1189
  });

  test('token usage per trace: sums, averages, percentiles', async () => {
    const inputs = Array.from({ length: N }, (_, i) => 1000 + i);
    const r = await query({ view_type: 'TRACES', metric_name: 'input_tokens',
      aggregations: [...agg('SUM', 'AVG'), pct(75)] });
    assert.equal(r.data_points.length, 1);
    assert.equal(r.data_points[0].values.SUM, 12066);
    near(r.data_points[0].values.AVG, 1005.5, 'AVG input');
    near(r.data_points[0].values['P75.0'], percentile(inputs, 75), 'P75 input');
    const out = await query({ view_type: 'TRACES', metric_name: 'output_tokens', aggregations: agg('SUM') });
    assert.equal(out.data_points[0].values.SUM, 1266);
    const total = await query({ view_type: 'TRACES', metric_name: 'total_tokens', aggregations: agg('SUM') });
    assert.equal(total.data_points[0].values.SUM, 12066 + 1266);
    // Only the six traces whose llm call reported cached tokens have any.
    const cached = await query({ view_type: 'TRACES', metric_name: 'cache_read_input_tokens',
      aggregations: agg('SUM', 'AVG') });
    assert.deepEqual(cached.data_points[0].values, { SUM: 1200, AVG: 200 });
  });

  test('hourly buckets are ISO timestamps, ranges are inclusive', async () => {
    const r = await query({ view_type: 'TRACES', metric_name: 'trace_count', aggregations: agg('COUNT'),
      time_interval_seconds: 3600 });
    assert.deepEqual(r.data_points.map((p) => [p.dimensions.time_bucket, p.values.COUNT]),
      [[isoBucket(t0), 6], [isoBucket(t0 + HOUR), 6]]);
    const lastStart = t0 + 11 * 10 * 60e3 + 5000;
    const upTo = async (end) => (await rest.ok('POST', PATH, { experiment_ids: [experimentId],
      view_type: 'TRACES', metric_name: 'trace_count', aggregations: agg('COUNT'), start_time_ms: t0,
      end_time_ms: end })).data_points[0].values.COUNT;
    assert.equal(await upTo(lastStart), 12);
    assert.equal(await upTo(lastStart - 1), 11);
  });

  test('MLflow metric filters on traces', async () => {
    const count = async (filters, view = 'TRACES', metric = 'trace_count') =>
      (await query({ view_type: view, metric_name: metric, aggregations: agg('COUNT'), filters }))
        .data_points[0].values.COUNT;
    assert.equal(await count(["trace.status = 'ERROR'"]), 3);
    assert.equal(await count(['trace.tag.user = "bob"']), 6);
    assert.equal(await count(["trace.tag.user = 'bob'", "trace.status = 'ERROR'"]), 0);
    assert.equal(await count(["trace.tag.user = 'bob'"], 'SPANS', 'span_count'), 18);
  });

  test('span counts, latencies and span filters', async () => {
    const names = await query({ view_type: 'SPANS', metric_name: 'span_count', aggregations: agg('COUNT'),
      dimensions: ['span_name'] });
    assert.deepEqual(byDim(names, 'span_name'),
      { agent: { COUNT: 12 }, llm: { COUNT: 12 }, search: { COUNT: 12 } });
    const status = await query({ view_type: 'SPANS', metric_name: 'span_count', aggregations: agg('COUNT'),
      dimensions: ['span_status'], filters: ["span.name = 'search'"] });
    assert.deepEqual(byDim(status, 'span_status'), { ERROR: { COUNT: 2 }, UNSET: { COUNT: 10 } });
    const models = await query({ view_type: 'SPANS', metric_name: 'span_count', aggregations: agg('COUNT'),
      dimensions: ['span_model_name'] });
    assert.deepEqual(byDim(models, 'span_model_name'),
      { 'gpt-4o': { COUNT: 4 }, 'house-llm': { COUNT: 4 }, 'mystery-llm': { COUNT: 4 } });
    const latency = await query({ view_type: 'SPANS', metric_name: 'latency',
      aggregations: [...agg('AVG'), pct(95)], dimensions: ['span_name'], filters: ["span.name = 'llm'"] });
    assert.deepEqual(latency.data_points,
      [{ metric_name: 'latency', dimensions: { span_name: 'llm' }, values: { AVG: 50, 'P95.0': 50 } }]);
  });

  test('assessment counts and numeric values', async () => {
    const counts = await query({ view_type: 'ASSESSMENTS', metric_name: 'assessment_count',
      aggregations: agg('COUNT'), dimensions: ['assessment_name'] });
    assert.deepEqual(byDim(counts, 'assessment_name'), { correct: { COUNT: 12 }, score: { COUNT: 12 } });
    const values = await query({ view_type: 'ASSESSMENTS', metric_name: 'assessment_value',
      aggregations: [...agg('AVG'), pct(50)], dimensions: ['assessment_name'] });
    const v = byDim(values, 'assessment_name');
    near(v.correct.AVG, 8 / 12, 'correct AVG');  // true -> 1, false -> 0
    const scores = Array.from({ length: N }, (_, i) => i / 10);
    near(v.score.AVG, scores.reduce((a, b) => a + b) / N, 'score AVG');
    near(v.score['P50.0'], percentile(scores, 50), 'score P50');
    const bool = await query({ view_type: 'ASSESSMENTS', metric_name: 'assessment_count',
      aggregations: agg('COUNT'), dimensions: ['assessment_value'], filters: ["assessment.name = 'correct'"] });
    assert.deepEqual(byDim(bool, 'assessment_value'), { false: { COUNT: 4 }, true: { COUNT: 8 } });
  });

  test('the UI prefix answers too', async () => {
    const r = await rest.ok('POST', '/ajax-api/3.0/mlflow/traces/metrics', { experiment_ids: [experimentId],
      view_type: 2, metric_name: 'span_count', aggregations: [{ aggregation_type: 1 }] });
    assert.equal(r.data_points[0].values.COUNT, 36);
  });

  test('bad requests answer MLflow-shaped errors', async () => {
    const base = { experiment_ids: [experimentId], view_type: 'TRACES', metric_name: 'latency', aggregations: agg('AVG') };
    const cases = [
      [{ metric_name: 'bogus' }, 400, 'metric_name must be one of'],
      [{ aggregations: agg('SUM') }, 400, "Found invalid aggregation_type(s): ['SUM']"],
      [{ dimensions: ['span_name'] }, 400, "Found invalid dimension(s): ['span_name']"],
      [{ view_type: 'RUNS' }, 400, 'view_type'],
      [{ filters: ["span.type = 'LLM'"] }, 400, 'Filtering by span is only supported for SPANS'],
      [{ filters: ["trace.status != 'OK'"] }, 400, "only '=' operator is supported"],
      [{ aggregations: [pct(150)] }, 400, 'between 0 and 100'],
      [{ time_interval_seconds: 60 }, 400, 'start_time_ms and end_time_ms are required'],
      [{ view_type: 'SPANS', metric_name: 'total_cost', aggregations: agg('COUNT') }, 400, 'invalid aggregation_type'],
      [{ experiment_ids: ['987654'] }, 404, 'No Experiment with id=987654'],
    ];
    for (const [patch, status, message] of cases) {
      const r = await rest.request('POST', PATH, { ...base, ...patch });
      assert.equal(r.status, status, `${JSON.stringify(patch)}: ${r.text}`);
      assert.equal(r.body.error_code, status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : 'INVALID_PARAMETER_VALUE');
      assert.ok(r.body.message.includes(message), `${JSON.stringify(patch)}: ${r.body.message}`);
    }
  });
});
