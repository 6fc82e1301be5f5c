// Root-span hygiene: a trace whose root has not arrived is listed and flagged fragmented,
// the earliest span stands in for previews; when the root arrives the trace is merged and the
// flag goes; a span arriving after that is merged too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { EXPORTERS, exportItems, hexSpanId, memoryTracer, recordAgentTrace } from '../lib/otel.js';
import { checkAgentTraceInfo, checkAgentTraceSpans } from '../lib/expect.js';

const FRAGMENTED = 'tracelake.fragmented';

describe('fragmented traces', () => {
  let server;
  let rest;
  let experimentId;
  const mt = memoryTracer();

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment(`e2e-fragmented-${process.pid}`);
  });

  after(async () => {
    await mt.shutdown();
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  test('children first: listed as fragmented, then merged when the root and a late span arrive', async () => {
    const rec = recordAgentTrace(mt, { tag: 'fragmented' });
    const { root, chat1, tool, retrieve, chat2 } = rec.spans;
    const exporter = EXPORTERS['http/protobuf'](server, { experimentId });
    try {
      // 1. Children only, in two requests (the grandchild before its parent).
      await exportItems(exporter, [retrieve, chat1]);
      await exportItems(exporter, [tool]);

      let found = await rest.searchAll(experimentId);
      assert.deepEqual(found.map((t) => t.trace_id), [`tr-${rec.traceId}`],
        'a trace without its root must still be listed');
      let info = found[0];
      assert.equal(info.trace_metadata?.[FRAGMENTED], 'true',
        `missing root must be flagged: ${JSON.stringify(info.trace_metadata)}`);
      // The earliest span so far (chat1 at t0+10ms) stands in for the root.
      const { spans: partial } = await rest.getTrace(rec.traceId);
      assert.equal(partial.length, 3);
      assert.deepEqual(new Set(partial.map((s) => s.spanId)),
        new Set([chat1, tool, retrieve].map(hexSpanId)));
      assert.deepEqual(JSON.parse(info.trace_metadata['mlflow.trace.tokenUsage']),
        { input_tokens: 120, output_tokens: 30, total_tokens: 150 });

      // 2. The root arrives: no longer fragmented, previews and times from the root.
      await exportItems(exporter, [root]);
      found = await rest.searchAll(experimentId);
      assert.equal(found.length, 1, 'the root must merge into the same trace, not make a new one');
      info = found[0];
      assert.notEqual(info.trace_metadata?.[FRAGMENTED], 'true', 'flag must clear once the root is stored');
      assert.equal(info.state, 'OK');
      assert.ok(info.request_preview.includes(rec.question), `request_preview: ${info.request_preview}`);

      // 3. A late child after the trace is complete is merged too.
      await exportItems(exporter, [chat2]);
    } finally {
      await exporter.shutdown();
    }
    const found = await rest.searchAll(experimentId);
    assert.equal(found.length, 1);
    checkAgentTraceInfo(found[0], rec, experimentId);
    const { info, spans } = await rest.getTrace(rec.traceId);
    checkAgentTraceInfo(info, rec, experimentId);
    checkAgentTraceSpans(spans, rec);
  });

  test('fragmented flag is searchable through metadata', async () => {
    const rec = recordAgentTrace(mt, { tag: 'fragmented-search' });
    const exporter = EXPORTERS.grpc(server, { experimentId });
    try {
      await exportItems(exporter, [rec.spans.chat2]);
    } finally {
      await exporter.shutdown();
    }
    const flagged = await rest.searchAll(experimentId, { filter: `metadata.\`${FRAGMENTED}\` = 'true'` });
    assert.deepEqual(flagged.map((t) => t.trace_id), [`tr-${rec.traceId}`]);
  });
});
