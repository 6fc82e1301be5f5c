// Every OTLP exporter flavour of the OpenTelemetry JS SDK (HTTP JSON, HTTP protobuf, gRPC, each
// plain and gzip) sends the same agent trace; the MLflow REST API must give it back intact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient, experimentOf } from '../lib/rest.js';
import { EXPORTERS, exportItems, memoryTracer, recordAgentTrace } from '../lib/otel.js';
import { checkAgentTraceInfo, checkAgentTraceSpans } from '../lib/expect.js';

describe('OTLP exporters to MLflow REST', () => {
  let server;
  let rest;
  const mt = memoryTracer();

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
  });

  after(async () => {
    await mt.shutdown();
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  for (const flavour of Object.keys(EXPORTERS)) {
    test(`${flavour}: agent trace routed by x-mlflow-experiment-id reads back intact`, async () => {
      const experimentId = await rest.createExperiment(`e2e-exporter-${flavour}-${process.pid}`);
      const exporter = EXPORTERS[flavour](server, { experimentId });
      const rec = recordAgentTrace(mt, { tag: flavour });
      try {
        await exportItems(exporter, rec.all);
      } finally {
        await exporter.shutdown();
      }

      const found = await rest.searchAll(experimentId);
      assert.deepEqual(found.map((t) => t.trace_id), [`tr-${rec.traceId}`],
        'the experiment must list exactly the trace just sent');
      checkAgentTraceInfo(found[0], rec, experimentId);

      const { info, spans } = await rest.getTrace(rec.traceId);
      checkAgentTraceInfo(info, rec, experimentId);
      checkAgentTraceSpans(spans, rec);

      const inDefault = await rest.searchAll('0');
      assert.ok(!inDefault.some((t) => t.trace_id === `tr-${rec.traceId}`),
        'a trace routed to an experiment must not appear in the Default experiment');
    });
  }

  test('no experiment header: the trace lands in the Default experiment "0"', async () => {
    const exporter = EXPORTERS['http/protobuf'](server);
    const rec = recordAgentTrace(mt, { tag: 'default-experiment' });
    try {
      await exportItems(exporter, rec.all);
    } finally {
      await exporter.shutdown();
    }
    const { info, spans } = await rest.getTrace(rec.traceId);
    assert.equal(experimentOf(info), '0');
    checkAgentTraceInfo(info, rec, '0');
    checkAgentTraceSpans(spans, rec);
    const inDefault = await rest.searchAll('0');
    assert.ok(inDefault.some((t) => t.trace_id === `tr-${rec.traceId}`));
  });

  test('resource attribute mlflow.experimentId routes when no header is sent', async () => {
    const experimentId = await rest.createExperiment(`e2e-resource-routing-${process.pid}`);
    const routed = memoryTracer({ 'mlflow.experimentId': experimentId });
    const exporter = EXPORTERS.grpc(server);
    const rec = recordAgentTrace(routed, { tag: 'resource-routing' });
    try {
      await exportItems(exporter, rec.all);
    } finally {
      await exporter.shutdown();
      await routed.shutdown();
    }
    const { info } = await rest.getTrace(rec.traceId);
    assert.equal(experimentOf(info), experimentId);
  });

  test('the same spans sent twice are stored once', async () => {
    const experimentId = await rest.createExperiment(`e2e-idempotent-${process.pid}`);
    const exporter = EXPORTERS['http/json'](server, { experimentId });
    const rec = recordAgentTrace(mt, { tag: 'resend' });
    try {
      await exportItems(exporter, rec.all);
      await exportItems(exporter, rec.all);
    } finally {
      await exporter.shutdown();
    }
    const found = await rest.searchAll(experimentId);
    assert.equal(found.length, 1);
    const { info, spans } = await rest.getTrace(rec.traceId);
    checkAgentTraceSpans(spans, rec);
    checkAgentTraceInfo(info, rec, experimentId);
  });
});
