// Assertions shared by the test files: what a stored trace must look like after the agent
// trace (otel.js recordAgentTrace) went through any exporter.
import assert from 'node:assert/strict';
import { jsonAttr, experimentOf, traceHexOf } from './rest.js';
import { hexSpanId, parentOf } from './otel.js';

// "1.5s" -> 1500 (ms); also accepts {seconds, nanos}.
export function durationMs(d) {
  if (typeof d === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d);
    assert.ok(m, `execution_duration ${JSON.stringify(d)} is not a protobuf Duration string`);
    return Math.round(Number(m[1]) * 1000);
  }
  assert.ok(d && typeof d === 'object', `execution_duration missing: ${JSON.stringify(d)}`);
  return Math.round(Number(d.seconds ?? 0) * 1000 + Number(d.nanos ?? 0) / 1e6);
}

// RFC 3339 string or {seconds, nanos} -> ms since epoch.
export function timestampMs(t) {
  if (typeof t === 'string') {
    const v = Date.parse(t);
    assert.ok(!Number.isNaN(v), `request_time ${JSON.stringify(t)} is not RFC 3339`);
    return v;
  }
  assert.ok(t && typeof t === 'object', `request_time missing: ${JSON.stringify(t)}`);
  return Number(t.seconds ?? 0) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6);
}

export function tokenUsageOf(info) {
  const raw = info.trace_metadata?.['mlflow.trace.tokenUsage'];
  assert.ok(raw, `trace_metadata has no mlflow.trace.tokenUsage: ${JSON.stringify(info.trace_metadata)}`);
  return JSON.parse(raw);
}

// The TraceInfoV3 of the agent trace.
export function checkAgentTraceInfo(info, rec, experimentId) {
  assert.equal(info.trace_id, `tr-${rec.traceId}`);
  assert.equal(traceHexOf(info), rec.traceId);
  assert.equal(info.trace_location?.type, 'MLFLOW_EXPERIMENT', JSON.stringify(info.trace_location));
  assert.equal(experimentOf(info), experimentId, 'trace landed in the wrong experiment');
  assert.equal(info.state, 'OK', 'root span status OK must give trace state OK');
  assert.equal(timestampMs(info.request_time), rec.t0, 'request_time must be the root start time');
  assert.equal(durationMs(info.execution_duration), rec.durationMs, 'execution_duration = root duration');
  assert.deepEqual(tokenUsageOf(info), { input_tokens: 200, output_tokens: 50, total_tokens: 250 });
  assert.equal(info.trace_metadata['mlflow.trace_schema.version'], '3');
  assert.equal(typeof info.request_preview, 'string', 'request_preview missing');
  assert.ok(info.request_preview.includes(rec.question),
    `request_preview should hold the question: ${info.request_preview}`);
  assert.equal(typeof info.response_preview, 'string', 'response_preview missing');
  assert.ok(info.response_preview.includes(rec.answer),
    `response_preview should hold the answer: ${info.response_preview}`);
  assert.notEqual(info.trace_metadata['tracelake.fragmented'], 'true', 'complete trace flagged fragmented');
}

// The spans of the agent trace as returned by traces/get (normalized by rest.js).
export function checkAgentTraceSpans(spans, rec) {
  assert.equal(spans.length, 5, `expected 5 spans, got ${spans.map((s) => s.name).join(', ')}`);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const [key, sent] of Object.entries(rec.spans)) {
    const got = byId.get(hexSpanId(sent));
    assert.ok(got, `span ${key} (${sent.name}, ${hexSpanId(sent)}) missing; got ids ${[...byId.keys()].join(', ')}`);
    assert.equal(got.traceId, rec.traceId, `${key}: trace id`);
    assert.equal(got.name, sent.name, `${key}: name`);
    assert.equal(got.parentSpanId, parentOf(sent), `${key}: parent span id`);
    const startNs = BigInt(sent.startTime[0]) * 1000000000n + BigInt(sent.startTime[1]);
    const endNs = BigInt(sent.endTime[0]) * 1000000000n + BigInt(sent.endTime[1]);
    assert.equal(got.startNs, startNs, `${key}: start time`);
    assert.equal(got.endNs, endNs, `${key}: end time`);
    assert.equal(jsonAttr(got, 'mlflow.traceRequestId'), `tr-${rec.traceId}`, `${key}: mlflow.traceRequestId`);
  }
  const s = (key) => byId.get(hexSpanId(rec.spans[key]));
  const root = s('root'), chat1 = s('chat1'), tool = s('tool'), retrieve = s('retrieve'), chat2 = s('chat2');

  assert.equal(root.parentSpanId, '', 'root has no parent');
  assert.equal(root.status, 'OK');
  assert.equal(jsonAttr(root, 'mlflow.spanType'), 'AGENT');
  assert.equal(root.attributes['gen_ai.agent.name'], 'geo-agent');

  assert.equal(chat1.status, 'OK');
  assert.equal(jsonAttr(chat1, 'mlflow.spanType'), 'CHAT_MODEL');
  assert.deepEqual(jsonAttr(chat1, 'mlflow.chat.tokenUsage'),
    { input_tokens: 120, output_tokens: 30, total_tokens: 150 });
  assert.equal(chat1.attributes['gen_ai.request.model'], 'gpt-4o');
  assert.equal(chat1.attributes['gen_ai.usage.input_tokens'], 120);
  const ev = chat1.events.find((e) => e.name === 'gen_ai.first_token');
  assert.ok(ev, `chat span event missing: ${JSON.stringify(chat1.events.map((e) => e.name))}`);
  assert.equal(ev.attributes['e2e.latency_ms'], 42);
  assert.equal(ev.timeNs, BigInt(rec.t0 + 50) * 1000000n);

  assert.deepEqual(jsonAttr(chat2, 'mlflow.chat.tokenUsage'),
    { input_tokens: 80, output_tokens: 20, total_tokens: 100 });
  assert.equal(chat2.status, 'UNSET');

  assert.equal(tool.status, 'ERROR');
  assert.equal(tool.statusMessage, 'lookup failed');
  assert.equal(jsonAttr(tool, 'mlflow.spanType'), 'TOOL');
  const exc = tool.events.find((e) => e.name === 'exception');
  assert.ok(exc, 'tool span lost its exception event');
  assert.equal(exc.attributes['exception.message'], 'lookup failed: upstream timeout');
  assert.equal(exc.attributes['exception.type'], 'LookupError');

  assert.equal(retrieve.parentSpanId, hexSpanId(rec.spans.tool), 'grandchild parent is the tool span');
  assert.equal(retrieve.attributes['e2e.string'], 'hello');
  assert.equal(retrieve.attributes['e2e.int'], 7);
  assert.equal(retrieve.attributes['e2e.double'], 2.5);
  assert.equal(retrieve.attributes['e2e.bool'], true);
  assert.deepEqual(retrieve.attributes['e2e.strings'], ['a', 'b']);
}
