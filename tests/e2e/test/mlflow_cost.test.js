// Token usage and cost as MLflow stores them (docs/metrics.md, "Cost"): an OTLP span with a
// gen_ai model and usage comes back from MLflow's GET /api/3.0/mlflow/traces/get with
// mlflow.llm.cost priced by the deployment's price table (--prices), the trace carries
// mlflow.trace.cost and complete mlflow.trace.tokenUsage, a client-sent mlflow.llm.cost is kept,
// unpriced models get no cost, and MLflow's trace-metrics API sums the stored costs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { RestClient, jsonAttr } from '../lib/rest.js';
import { EXPORTERS, exportItems, memoryTracer, trace, context } from '../lib/otel.js';

const PRICES = { models: { 'house-llm': { input: 2, output: 8 }, 'house-embed': { input: 0.5, output: 0 } } };
const near = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

describe('token usage and cost as MLflow stores them', () => {
  let server, rest, experimentId, pricesDir, traceHex, t0;

  before(async () => {
    pricesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-prices-'));
    const pricesFile = path.join(pricesDir, 'prices.json');
    fs.writeFileSync(pricesFile, JSON.stringify(PRICES));
    server = await startServer({ extraArgs: ['--prices', pricesFile] });
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('mlflow-cost-e2e');

    const { tracer, finished } = memoryTracer();
    t0 = Date.now() - 60e3;
    const root = tracer.startSpan('agent', { startTime: t0 });
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan('chat', { startTime: t0 + 10, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'house-llm',
      'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 } }, ctx).end(t0 + 50);
    tracer.startSpan('embed', { startTime: t0 + 60, attributes: {
      'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'house-embed',
      'gen_ai.usage.input_tokens': 15 } }, ctx).end(t0 + 70);
    tracer.startSpan('unpriced', { startTime: t0 + 80, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'mystery-llm',
      'gen_ai.usage.input_tokens': 7, 'gen_ai.usage.output_tokens': 3 } }, ctx).end(t0 + 90);
    tracer.startSpan('client-priced', { startTime: t0 + 100, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'house-llm',
      'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 1,
      'mlflow.llm.cost': JSON.stringify({ input_cost: 0.25, output_cost: 0.75, total_cost: 1.0 }) } }, ctx)
      .end(t0 + 110);
    root.end(t0 + 200);
    traceHex = root.spanContext().traceId;
    const exporter = EXPORTERS['http/protobuf'](server, { experimentId });
    try {
      await exportItems(exporter, finished());
    } finally {
      await exporter.shutdown();
    }
  });

  after(async () => {
    await server?.stopCleanly();
    if (pricesDir) fs.rmSync(pricesDir, { recursive: true, force: true });
  });

  const chatCost = { input_cost: 1000 * 2 / 1e6, output_cost: 100 * 8 / 1e6 };
  const embedCost = { input_cost: 15 * 0.5 / 1e6, output_cost: 0 };

  test('traces/get: spans carry mlflow.llm.cost and complete usage, the trace sums them', async () => {
    const { info, spans } = await rest.getTrace(traceHex);
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));

    const chat = jsonAttr(byName.chat, 'mlflow.llm.cost');
    near(chat.input_cost, chatCost.input_cost, 'chat input_cost');
    near(chat.output_cost, chatCost.output_cost, 'chat output_cost');
    near(chat.total_cost, chatCost.input_cost + chatCost.output_cost, 'chat total_cost');

    // An embeddings call reports input tokens only: stored complete, as MLflow stores it.
    assert.deepEqual(jsonAttr(byName.embed, 'mlflow.chat.tokenUsage'),
      { input_tokens: 15, output_tokens: 0, total_tokens: 15 });
    near(jsonAttr(byName.embed, 'mlflow.llm.cost').total_cost, embedCost.input_cost, 'embed total_cost');

    assert.equal(byName.unpriced.attributes['mlflow.llm.cost'], undefined, 'no made-up cost');
    assert.deepEqual(jsonAttr(byName['client-priced'], 'mlflow.llm.cost'),
      { input_cost: 0.25, output_cost: 0.75, total_cost: 1.0 });

    const usage = JSON.parse(info.trace_metadata['mlflow.trace.tokenUsage']);
    assert.deepEqual(usage, { input_tokens: 1000 + 15 + 7 + 1, output_tokens: 100 + 3 + 1,
      total_tokens: 1100 + 15 + 10 + 2 });
    assert.equal(usage.input_tokens + usage.output_tokens, usage.total_tokens);

    const cost = JSON.parse(info.trace_metadata['mlflow.trace.cost']);
    near(cost.input_cost, chatCost.input_cost + embedCost.input_cost + 0.25, 'trace input_cost');
    near(cost.output_cost, chatCost.output_cost + 0.75, 'trace output_cost');
    near(cost.total_cost, cost.input_cost + cost.output_cost, 'trace total_cost');
  });

  test('search results carry mlflow.trace.cost', async () => {
    const traces = await rest.searchAll(experimentId);
    assert.equal(traces.length, 1);
    const cost = JSON.parse(traces[0].trace_metadata['mlflow.trace.cost']);
    near(cost.total_cost, chatCost.input_cost + chatCost.output_cost + embedCost.input_cost + 1.0,
      'search total_cost');
  });

  test('the trace-metrics API sums the stored span costs', async () => {
    const body = await rest.ok('POST', '/api/3.0/mlflow/traces/metrics', {
      experiment_ids: [experimentId], view_type: 'SPANS', metric_name: 'total_cost',
      aggregations: [{ aggregation_type: 'SUM' }], dimensions: ['span_model_name'] });
    const byModel = Object.fromEntries(
      body.data_points.map((p) => [p.dimensions.span_model_name, p.values.SUM]));
    assert.deepEqual(Object.keys(byModel).sort(), ['house-embed', 'house-llm']);
    near(byModel['house-llm'], chatCost.input_cost + chatCost.output_cost + 1.0, 'house-llm');
    near(byModel['house-embed'], embedCost.input_cost, 'house-embed');
  });
});
