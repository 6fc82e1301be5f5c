// Real OpenTelemetry JS SDK objects: spans are recorded with the SDK's tracer into memory,
// then handed to a real OTLP exporter in the batches a test chooses (so a test controls which
// spans travel in which request, and in which order).
import assert from 'node:assert/strict';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as HttpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter as HttpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import grpc from '@grpc/grpc-js';

export { context, trace, SpanKind, SpanStatusCode };

const SUCCESS = 0;  // ExportResultCode.SUCCESS

// The exporter flavours under test. `make(server, {experimentId, timeoutMillis})`.
export const EXPORTERS = {
  'http/json': (server, o = {}) => new HttpJsonTraceExporter(httpConfig(server, o)),
  'http/protobuf': (server, o = {}) => new HttpProtoTraceExporter(httpConfig(server, o)),
  'http/json+gzip': (server, o = {}) => new HttpJsonTraceExporter({ ...httpConfig(server, o), compression: 'gzip' }),
  'http/protobuf+gzip': (server, o = {}) => new HttpProtoTraceExporter({ ...httpConfig(server, o), compression: 'gzip' }),
  grpc: (server, o = {}) => new GrpcTraceExporter(grpcConfig(server, o)),
  'grpc+gzip': (server, o = {}) => new GrpcTraceExporter({ ...grpcConfig(server, o), compression: 'gzip' }),
};

function httpConfig(server, { experimentId, timeoutMillis = 10000 } = {}) {
  const headers = {};
  if (experimentId !== undefined) headers['x-mlflow-experiment-id'] = experimentId;
  return { url: `${server.url}/v1/traces`, headers, timeoutMillis };
}

function grpcConfig(server, { experimentId, timeoutMillis = 10000 } = {}) {
  const metadata = new grpc.Metadata();
  if (experimentId !== undefined) metadata.set('x-mlflow-experiment-id', experimentId);
  return { url: server.grpcUrl, metadata, timeoutMillis };
}

export function logExporter(server, { experimentId, timeoutMillis = 10000 } = {}) {
  const headers = {};
  if (experimentId !== undefined) headers['x-mlflow-experiment-id'] = experimentId;
  return new HttpProtoLogExporter({ url: `${server.url}/v1/logs`, headers, timeoutMillis });
}

// A tracer whose finished spans are kept in memory (nothing is sent until exportSpans).
export function memoryTracer(resourceAttributes = {}) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tracelake-e2e', ...resourceAttributes }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  return {
    tracer: provider.getTracer('tracelake-e2e', '1.0.0'),
    finished: () => memory.getFinishedSpans().slice(),
    reset: () => memory.reset(),
    shutdown: () => provider.shutdown(),
  };
}

export function memoryLogger(resourceAttributes = {}) {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tracelake-e2e', ...resourceAttributes }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  return {
    logger: provider.getLogger('tracelake-e2e-genai', '1.0.0'),
    finished: () => memory.getFinishedLogRecords().slice(),
    reset: () => memory.reset(),
    shutdown: () => provider.shutdown(),
  };
}

// Sends items (ReadableSpans or ReadableLogRecords) through a real exporter in one call and
// resolves with the ExportResult; rejects when the export did not succeed.
export function exportItems(exporter, items) {
  return new Promise((resolve, reject) => {
    exporter.export(items, (result) => {
      if (result.code === SUCCESS) resolve(result);
      else reject(result.error ?? new Error(`export failed with code ${result.code}`));
    });
  });
}

// Like exportItems but never rejects: {ok, error}.
export function tryExport(exporter, items) {
  return new Promise((resolve) => {
    exporter.export(items, (result) => resolve({ ok: result.code === SUCCESS, error: result.error }));
  });
}

export const hexTraceId = (span) => span.spanContext().traceId;
export const hexSpanId = (span) => span.spanContext().spanId;
export const parentOf = (readable) => readable.parentSpanContext?.spanId ?? '';

// Records the agent trace every exporter test sends:
//   agent.run (root, SERVER, OK, invoke_agent with input/output messages)
//   ├── chat gpt-4o          (CLIENT, chat, 120 in / 30 out tokens, an event)
//   ├── execute_tool lookup  (INTERNAL, ERROR "lookup failed", exception event)
//   │   └── retrieve docs    (INTERNAL, custom attributes of every type)
//   └── chat gpt-4o-mini     (CLIENT, chat, 80 in / 20 out tokens)
// Returns {traceId, spans: {root, chat1, tool, retrieve, chat2} (ReadableSpans), all}.
export function recordAgentTrace(mt, { tag = 'e2e', t0 = Date.now() - 60000 } = {}) {
  const { tracer } = mt;
  const ms = (d) => t0 + d;
  const question = `What is the capital of France? (${tag})`;
  const answer = `Paris is the capital of France. (${tag})`;
  const root = tracer.startSpan('agent.run', {
    kind: SpanKind.SERVER,
    startTime: ms(0),
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'geo-agent',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' }]),
      'e2e.tag': tag,
    },
  });
  const rootCtx = trace.setSpan(context.active(), root);

  const chat1 = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    startTime: ms(10),
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
    },
  }, rootCtx);
  chat1.addEvent('gen_ai.first_token', { 'e2e.latency_ms': 42 }, ms(50));
  chat1.setStatus({ code: SpanStatusCode.OK });
  chat1.end(ms(300));

  const tool = tracer.startSpan('execute_tool lookup', {
    kind: SpanKind.INTERNAL,
    startTime: ms(310),
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup',
      'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris' }),
    },
  }, rootCtx);
  const toolCtx = trace.setSpan(rootCtx, tool);
  const retrieve = tracer.startSpan('retrieve docs', {
    kind: SpanKind.INTERNAL,
    startTime: ms(320),
    attributes: {
      'e2e.string': 'hello',
      'e2e.int': 7,
      'e2e.double': 2.5,
      'e2e.bool': true,
      'e2e.strings': ['a', 'b'],
    },
  }, toolCtx);
  retrieve.end(ms(380));
  tool.recordException({ name: 'LookupError', message: 'lookup failed: upstream timeout' }, ms(390));
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'lookup failed' });
  tool.end(ms(400));

  const chat2 = tracer.startSpan('chat gpt-4o-mini', {
    kind: SpanKind.CLIENT,
    startTime: ms(410),
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 80,
      'gen_ai.usage.output_tokens': 20,
    },
  }, rootCtx);
  chat2.end(ms(600));

  root.setStatus({ code: SpanStatusCode.OK });
  root.end(ms(700));

  const traceId = hexTraceId(root);
  const all = mt.finished().filter((s) => s.spanContext().traceId === traceId);
  const byId = (span) => all.find((s) => s.spanContext().spanId === hexSpanId(span));
  const spans = {
    root: byId(root), chat1: byId(chat1), tool: byId(tool), retrieve: byId(retrieve), chat2: byId(chat2),
  };
  for (const [k, v] of Object.entries(spans)) assert.ok(v, `span ${k} was not recorded`);
  return { traceId, spans, all, question, answer, t0, durationMs: 700 };
}
