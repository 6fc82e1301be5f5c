// Durability across shutdown: SIGTERM while exporters are sending. The server must exit 0, and
// every span it acknowledged (2xx / gRPC OK) must be readable after a restart on the same data.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TracelakeServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { EXPORTERS, context, memoryTracer, trace, tryExport, SpanStatusCode } from '../lib/otel.js';

const FLAVOURS = ['http/protobuf', 'http/json+gzip', 'grpc', 'grpc+gzip'];
const SPANS_PER_TRACE = 6;
const TRACES_PER_REQUEST = 4;
// Exports each sender still attempts after SIGTERM (they race the drain; bounded so the
// read-back stays quick even if the server keeps answering for a while).
const EXPORTS_AFTER_SIGTERM = 25;
// docker stop / Kubernetes send SIGKILL 10 s (Docker) to 30 s (Kubernetes) after SIGTERM.
const PROMPT_EXIT_MS = 10000;

describe('SIGTERM while exporters are sending', () => {
  const server = new TracelakeServer();
  const mt = memoryTracer();

  after(async () => {
    await mt.shutdown();
    try {
      await server.stop();
    } finally {
      server.removeDataDir();
    }
  });

  // Records TRACES_PER_REQUEST traces of SPANS_PER_TRACE spans each; returns their spans.
  function recordBatch(seq) {
    mt.reset();
    const t0 = Date.now() - 10000;
    for (let t = 0; t < TRACES_PER_REQUEST; t++) {
      const root = mt.tracer.startSpan(`shutdown-${seq}-${t}`, { startTime: t0, attributes: { 'e2e.seq': seq } });
      const ctx = trace.setSpan(context.active(), root);
      for (let c = 1; c < SPANS_PER_TRACE; c++) {
        const child = mt.tracer.startSpan(`child-${c}`, { startTime: t0 + c, attributes: { 'e2e.c': c } }, ctx);
        child.end(t0 + c + 1);
      }
      root.setStatus({ code: SpanStatusCode.OK });
      root.end(t0 + SPANS_PER_TRACE + 1);
    }
    return mt.finished();
  }

  test('exit code 0 and every acknowledged span readable after restart', async () => {
    await server.start();
    const experimentId = await new RestClient(server.url).createExperiment(`e2e-shutdown-${process.pid}`);
    const acknowledged = new Map();  // trace hex -> Set(span hex)
    let attempted = 0;
    let succeeded = 0;
    let stopping = false;
    let ackAfterSigterm = 0;

    // Each sender loops: record a batch, export it, remember it when acknowledged; once SIGTERM
    // was sent it stops at the first failure (the server is going away) or after
    // EXPORTS_AFTER_SIGTERM more exports.
    const senders = FLAVOURS.map(async (flavour, k) => {
      const exporter = EXPORTERS[flavour](server, { experimentId, timeoutMillis: 3000 });
      let afterSigterm = 0;
      try {
        for (let seq = 0; seq < 100000; seq++) {
          if (stopping && ++afterSigterm > EXPORTS_AFTER_SIGTERM) return;
          const spans = recordBatch(`${k}-${seq}`);
          attempted++;
          const wasStopping = stopping;
          const r = await tryExport(exporter, spans);
          if (r.ok) {
            succeeded++;
            if (wasStopping) ackAfterSigterm++;
            for (const s of spans) {
              const tid = s.spanContext().traceId;
              if (!acknowledged.has(tid)) acknowledged.set(tid, new Set());
              acknowledged.get(tid).add(s.spanContext().spanId);
            }
          } else if (stopping) {
            return;
          } else {
            throw new Error(`${flavour}: export failed before SIGTERM: ${r.error?.message}\n${server.tail()}`);
          }
        }
      } finally {
        await exporter.shutdown().catch(() => {});
      }
    });

    // Let the senders get going, then SIGTERM in the middle of their traffic.
    while (succeeded < 4 * FLAVOURS.length) {
      await new Promise((r) => setTimeout(r, 10));
      if (server.exit !== null) assert.fail(`server died: ${server.tail()}`);
    }
    stopping = true;
    const exit = await server.stop();
    await Promise.all(senders);
    assert.deepEqual(exit, { code: 0, signal: null },
      `exit after SIGTERM under load: ${JSON.stringify(exit)}\n${server.tail(80)}`);
    assert.doesNotMatch(server.output, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/);
    assert.ok(acknowledged.size >= 4 * FLAVOURS.length * TRACES_PER_REQUEST);

    // Restart on the same data folder and read back every acknowledged span.
    await server.restart();
    const rest = new RestClient(server.url);
    for (const [tid, spanIds] of acknowledged) {
      const { spans } = await rest.getTrace(tid);
      const stored = new Set(spans.map((s) => s.spanId));
      for (const sid of spanIds) {
        assert.ok(stored.has(sid), `acknowledged span ${sid} of trace ${tid} lost after SIGTERM`);
      }
      assert.equal(spans.length, SPANS_PER_TRACE);
    }
    const listed = await rest.searchAll(experimentId, { maxResults: 500 });
    const listedIds = new Set(listed.map((t) => t.trace_id));
    for (const tid of acknowledged.keys()) assert.ok(listedIds.has(`tr-${tid}`), `trace ${tid} not listed`);
    await server.stopCleanly();
    // Report, not assert: how much traffic the shutdown met.
    console.log(`shutdown test: ${attempted} exports attempted, ${succeeded} acknowledged ` +
      `(${ackAfterSigterm} of them sent after SIGTERM), ${acknowledged.size} traces checked`);
  });

  test(`SIGTERM with idle keep-alive HTTP and gRPC clients exits 0 within ${PROMPT_EXIT_MS / 1000} s`, async () => {
    await server.restart();
    // Idle pooled connections, as every OTLP exporter and MLflow client keeps them.
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60000 });
    const res = await new Promise((resolve, reject) => {
      http.get(`${server.url}/health`, { agent }, (r) => {
        r.resume();
        r.on('end', () => resolve(r));
      }).on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    const exporter = EXPORTERS.grpc(server);
    const ok = await tryExport(exporter, recordBatch('idle'));
    assert.ok(ok.ok, `gRPC export: ${ok.error?.message}`);

    const started = Date.now();
    const exit = await server.stop();
    const took = Date.now() - started;
    agent.destroy();
    await exporter.shutdown().catch(() => {});
    assert.deepEqual(exit, { code: 0, signal: null }, server.tail());
    assert.ok(took < PROMPT_EXIT_MS,
      `the server took ${took} ms to exit after SIGTERM while clients held idle connections:\n${server.tail(10)}`);
  });
});
