// Traces for the UI tests, sent over OTLP by the real OpenTelemetry JS exporter.
import { EXPORTERS, context, exportItems, memoryTracer, recordAgentTrace, trace, SpanKind, SpanStatusCode } from './otel.js';

// Sends spans in requests of at most `batch` spans.
export async function sendSpans(server, experimentId, spans, batch = 2000) {
  const exporter = EXPORTERS['http/protobuf'](server, { experimentId, timeoutMillis: 60000 });
  try {
    for (let i = 0; i < spans.length; i += batch) await exportItems(exporter, spans.slice(i, i + batch));
  } finally {
    await exporter.shutdown();
  }
}

// n agent traces (lib/otel.js recordAgentTrace: root, two chat calls, a failing tool with an
// exception, a retrieval), one second apart, the newest last. Returns their descriptions.
export async function seedAgentTraces(server, experimentId, n, { prefix = 'ui' } = {}) {
  const mt = memoryTracer();
  const out = [];
  const t0 = Date.now() - (n + 60) * 1000;
  for (let i = 0; i < n; i++) {
    const r = recordAgentTrace(mt, { tag: `${prefix}-${i}`, t0: t0 + i * 1000 });
    out.push({ ...r, id: `tr-${r.traceId}` });
  }
  await sendSpans(server, experimentId, mt.finished());
  await mt.shutdown();
  return out;
}

// One trace of `count` spans: a root, `groups` agent steps under it, each with an LLM call and
// tool calls below, so the tree is several levels deep. Span names are unique ("step-12 tool-3").
export async function seedBigTrace(server, experimentId, count) {
  const mt = memoryTracer();
  const { tracer } = mt;
  const t0 = Date.now() - 3600 * 1000;
  const root = tracer.startSpan('big-agent-run', { kind: SpanKind.SERVER, startTime: t0,
    attributes: { 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'Run the big job' }]) } });
  const rootCtx = trace.setSpan(context.active(), root);
  let made = 1;
  let step = 0;
  const perStep = 50;
  while (made < count) {
    const stepStart = t0 + step * 10;
    const s = tracer.startSpan(`step-${step}`, { startTime: stepStart }, rootCtx);
    made++;
    const ctx = trace.setSpan(rootCtx, s);
    for (let j = 0; j < perStep - 1 && made < count; j++) {
      const child = tracer.startSpan(j === 0 ? `step-${step} chat` : `step-${step} tool-${j}`, {
        startTime: stepStart + j * 0.1,
        attributes: j === 0
          ? { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2 }
          : { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `tool-${j}` },
      }, ctx);
      child.end(stepStart + j * 0.1 + 0.08);
      made++;
    }
    s.end(stepStart + 9);
    step++;
  }
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(t0 + step * 10 + 5);
  const spans = mt.finished();
  await sendSpans(server, experimentId, spans);
  await mt.shutdown();
  return { id: `tr-${root.spanContext().traceId}`, spanCount: spans.length, steps: step };
}
