// The OpenTelemetry GenAI log-record path: an instrumentation (e.g. the official OpenAI one)
// puts prompts and replies in log records (gen_ai.user.message, gen_ai.choice ...) linked to
// the chat span, not on the span. tracelake must show them as the span's inputs and outputs
// whichever arrives first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { startServer } from '../lib/server.js';
import { RestClient, jsonAttr } from '../lib/rest.js';
import {
  EXPORTERS, context, exportItems, hexSpanId, logExporter, memoryLogger, memoryTracer, trace,
  SpanKind, SpanStatusCode,
} from '../lib/otel.js';

// Records root -> chat span, and the chat span's GenAI log records. Returns ids and both lists.
function recordChat(mt, ml, tag, t0) {
  const root = mt.tracer.startSpan('chat-app', { kind: SpanKind.SERVER, startTime: t0 });
  const rootCtx = trace.setSpan(context.active(), root);
  const chat = mt.tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    startTime: t0 + 5,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 3,
    },
  }, rootCtx);
  const chatCtx = trace.setSpan(rootCtx, chat);
  const emit = (eventName, body, dt) => ml.logger.emit({
    eventName,
    body,
    timestamp: t0 + dt,
    severityNumber: SeverityNumber.INFO,
    attributes: { 'gen_ai.system': 'openai' },
    context: chatCtx,
  });
  emit('gen_ai.system.message', { content: `You are terse. (${tag})` }, 6);
  emit('gen_ai.user.message', { content: `What is 2+2? (${tag})` }, 7);
  emit('gen_ai.choice', {
    index: 0, finish_reason: 'stop', message: { content: `4 (${tag})` },
  }, 90);
  chat.setStatus({ code: SpanStatusCode.OK });
  chat.end(t0 + 100);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(t0 + 110);
  const traceId = root.spanContext().traceId;
  const spans = mt.finished().filter((s) => s.spanContext().traceId === traceId);
  const logs = ml.finished().filter((r) => r.spanContext?.traceId === traceId);
  assert.equal(spans.length, 2);
  assert.equal(logs.length, 3, 'the SDK must have recorded 3 log records linked to the chat span');
  return { traceId, chatSpanId: hexSpanId(chat), spans, logs };
}

function checkChatContent(chat, tag) {
  const inputs = jsonAttr(chat, 'mlflow.spanInputs');
  assert.ok(Array.isArray(inputs?.messages), `mlflow.spanInputs should hold messages: ${JSON.stringify(inputs)}`);
  assert.deepEqual(
    inputs.messages.map((m) => ({ role: m.role, content: m.content })),
    [
      { role: 'system', content: `You are terse. (${tag})` },
      { role: 'user', content: `What is 2+2? (${tag})` },
    ]);
  const outputs = jsonAttr(chat, 'mlflow.spanOutputs');
  assert.ok(Array.isArray(outputs?.choices), `mlflow.spanOutputs should hold choices: ${JSON.stringify(outputs)}`);
  assert.equal(outputs.choices.length, 1);
  assert.equal(outputs.choices[0].message?.content, `4 (${tag})`);
  assert.equal(outputs.choices[0].finish_reason, 'stop');
  assert.equal(jsonAttr(chat, 'mlflow.spanType'), 'CHAT_MODEL');
}

describe('GenAI content in log records', () => {
  let server;
  let rest;
  let experimentId;
  const mt = memoryTracer();
  const ml = memoryLogger();

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment(`e2e-genai-logs-${process.pid}`);
  });

  after(async () => {
    await mt.shutdown();
    await ml.shutdown();
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  test('log records sent after the spans become the chat span inputs/outputs', async () => {
    const rec = recordChat(mt, ml, 'logs-after', Date.now() - 30000);
    const spanExporter = EXPORTERS['http/protobuf'](server, { experimentId });
    const logs = logExporter(server, { experimentId });
    try {
      await exportItems(spanExporter, rec.spans);
      await exportItems(logs, rec.logs);
    } finally {
      await spanExporter.shutdown();
      await logs.shutdown();
    }
    const { spans } = await rest.getTrace(rec.traceId);
    assert.equal(spans.length, 2);
    const chat = spans.find((s) => s.spanId === rec.chatSpanId);
    assert.ok(chat, 'chat span missing');
    checkChatContent(chat, 'logs-after');
  });

  test('log records sent before the spans are kept and applied when the span arrives', async () => {
    const rec = recordChat(mt, ml, 'logs-before', Date.now() - 20000);
    const spanExporter = EXPORTERS.grpc(server, { experimentId });
    const logs = logExporter(server, { experimentId });
    try {
      await exportItems(logs, rec.logs);
      await exportItems(spanExporter, rec.spans);
    } finally {
      await spanExporter.shutdown();
      await logs.shutdown();
    }
    const { spans, info } = await rest.getTrace(rec.traceId);
    assert.equal(spans.length, 2);
    const chat = spans.find((s) => s.spanId === rec.chatSpanId);
    assert.ok(chat, 'chat span missing');
    checkChatContent(chat, 'logs-before');
    assert.deepEqual(JSON.parse(info.trace_metadata['mlflow.trace.tokenUsage']),
      { input_tokens: 11, output_tokens: 3, total_tokens: 14 });
  });

  test('log records without a span context are accepted and attach nothing', async () => {
    ml.reset();
    ml.logger.emit({ eventName: 'app.started', body: 'hello', severityNumber: SeverityNumber.INFO });
    const logs = logExporter(server, { experimentId });
    try {
      await exportItems(logs, ml.finished());
    } finally {
      await logs.shutdown();
    }
    const r = await fetch(`${server.url}/health`);
    assert.equal(r.status, 200);
  });
});
