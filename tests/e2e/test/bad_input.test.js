// Hostile and broken input: every bad request gets the right status and error body in the
// right format, nothing half-written is stored, and the server keeps serving afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { EXPORTERS, exportItems, memoryTracer, recordAgentTrace } from '../lib/otel.js';
import { checkAgentTraceSpans } from '../lib/expect.js';
import {
  TRACE_EXPORT_METHOD, LOGS_EXPORT_METHOD, decodeRpcStatusProto, encodeTracesJson, encodeTracesProto,
  expectOtlpError, grpc, grpcRawCall,
} from '../lib/wire.js';

const MAX_REQUEST_BYTES = 32 * 1024;
const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

// A truncated length-delimited field: field 1 claims 2^28 bytes that never come.
const GARBAGE_PROTO = Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x02]);

describe('bad input', () => {
  let server;
  let rest;
  let experimentId;
  const mt = memoryTracer();
  let agent;  // a valid agent trace, recorded once

  before(async () => {
    server = await startServer({ maxRequestBytes: MAX_REQUEST_BYTES });
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment(`e2e-bad-input-${process.pid}`);
    agent = recordAgentTrace(mt, { tag: 'bad-input' });
  });

  after(async () => {
    await mt.shutdown();
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  const post = (path, body, headers) => fetch(server.url + path, {
    method: 'POST', body, headers, signal: AbortSignal.timeout(30000),
  });

  async function assertNothingStored() {
    const found = await rest.searchAll(experimentId);
    assert.deepEqual(found.map((t) => t.trace_id), [], 'a rejected request must not store anything');
  }

  test('malformed protobuf -> 400 with google.rpc.Status (protobuf), INVALID_ARGUMENT', async () => {
    for (const path of ['/v1/traces', '/v1/logs']) {
      const res = await post(path, GARBAGE_PROTO, { 'content-type': PROTO, 'x-mlflow-experiment-id': experimentId });
      await expectOtlpError(res, { http: 400, grpcCode: 3, encoding: 'proto' });
    }
    await assertNothingStored();
  });

  test('malformed JSON -> 400 with google.rpc.Status (JSON), INVALID_ARGUMENT', async () => {
    const bodies = [
      '{"resourceSpans": [',                       // truncated
      '{"resourceSpans": "not a list"}',           // wrong type
      '\u0000\u0001binary',                        // not JSON at all
    ];
    for (const body of bodies) {
      const res = await post('/v1/traces', body, { 'content-type': JSON_TYPE, 'x-mlflow-experiment-id': experimentId });
      await expectOtlpError(res, { http: 400, grpcCode: 3, encoding: 'json' });
    }
    const res = await post('/v1/logs', '{"resourceLogs": [{]}', { 'content-type': JSON_TYPE });
    await expectOtlpError(res, { http: 400, grpcCode: 3, encoding: 'json' });
    await assertNothingStored();
  });

  test('gzip body that is not gzip -> 400', async () => {
    const res = await post('/v1/traces', encodeTracesProto(agent.all), {
      'content-type': PROTO, 'content-encoding': 'gzip', 'x-mlflow-experiment-id': experimentId,
    });
    assert.equal(res.status, 400, await res.text());
    await assertNothingStored();
  });

  test('gzip body that is not a complete gzip stream -> 400, even when it inflates to nothing', async () => {
    const body = encodeTracesProto(agent.all);
    const gz = zlib.gzipSync(body);
    const cases = {
      'random bytes': Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 151 + 7) % 256)),
      'truncated stream': gz.subarray(0, gz.length >> 1),
      'stream without its trailer': gz.subarray(0, gz.length - 8),
      'gzip header only': gz.subarray(0, 10),
      'empty body': Buffer.alloc(0),
      'trailing garbage': Buffer.concat([gz, Buffer.from('garbage')]),
    };
    for (const [what, bad] of Object.entries(cases)) {
      const res = await post('/v1/traces', bad, {
        'content-type': PROTO, 'content-encoding': 'gzip', 'x-mlflow-experiment-id': experimentId,
      });
      await expectOtlpError(res, { http: 400, grpcCode: 3, encoding: 'proto' }).catch((e) => {
        e.message = `${what}: ${e.message}`;
        throw e;
      });
    }
    await assertNothingStored();
    // A complete gzip stream of nothing is an empty export request; the server keeps serving.
    const empty = await post('/v1/traces', zlib.gzipSync(Buffer.alloc(0)), {
      'content-type': PROTO, 'content-encoding': 'gzip', 'x-mlflow-experiment-id': experimentId,
    });
    assert.equal(empty.status, 200, await empty.text());
    assert.equal((await fetch(server.url + '/health')).status, 200);
  });

  test('wrong content type -> 415', async () => {
    for (const ctype of ['text/plain', 'application/xml']) {
      const res = await post('/v1/traces', encodeTracesJson(agent.all), {
        'content-type': ctype, 'x-mlflow-experiment-id': experimentId,
      });
      assert.equal(res.status, 415, `content-type ${ctype}: ${await res.text()}`);
    }
    await assertNothingStored();
  });

  test('oversized body -> 413, on the wire and after gzip decompression', async () => {
    const big = Buffer.alloc(MAX_REQUEST_BYTES * 4, 0x61);
    let res = await post('/v1/traces', big, { 'content-type': PROTO });
    assert.equal(res.status, 413, 'raw body over --max-request-bytes');
    await res.arrayBuffer();

    // A small gzip body that inflates far past the limit (a "zip bomb").
    const mt2 = memoryTracer();
    const span = mt2.tracer.startSpan('bomb', { attributes: { payload: 'x'.repeat(MAX_REQUEST_BYTES * 8) } });
    span.end();
    const inflated = encodeTracesProto(mt2.finished());
    await mt2.shutdown();
    const compressed = zlib.gzipSync(inflated);
    assert.ok(compressed.length < MAX_REQUEST_BYTES, 'test setup: compressed body fits the limit');
    res = await post('/v1/traces', compressed, {
      'content-type': PROTO, 'content-encoding': 'gzip', 'x-mlflow-experiment-id': experimentId,
    });
    assert.equal(res.status, 413, `decompressed size over the limit: ${await res.text()}`);
    await assertNothingStored();
  });

  test('413 on /v1/traces answers with a google.rpc.Status in the request encoding', async () => {
    const big = encodeTracesJson(agent.all).toString('utf8').padEnd(MAX_REQUEST_BYTES * 2, ' ');
    let res = await post('/v1/traces', big, { 'content-type': JSON_TYPE });
    const body = await res.text();
    assert.equal(res.status, 413, body);
    assert.equal((res.headers.get('content-type') ?? '').split(';')[0], 'application/json');
    const st = JSON.parse(body);
    assert.ok(!('error_code' in st), `OTLP errors are google.rpc.Status, not MLflow errors: ${body}`);
    assert.ok([3, 8].includes(st.code), `google.rpc.Status code INVALID_ARGUMENT or RESOURCE_EXHAUSTED: ${body}`);
    assert.ok(st.message.length > 0);

    res = await post('/v1/traces', Buffer.alloc(MAX_REQUEST_BYTES * 2, 0), { 'content-type': PROTO });
    const raw = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 413);
    assert.equal((res.headers.get('content-type') ?? '').split(';')[0], PROTO,
      `protobuf request, protobuf error: got ${res.headers.get('content-type')} ${raw.toString('utf8').slice(0, 200)}`);
    const pst = decodeRpcStatusProto(raw);
    assert.ok([3, 8].includes(pst.code), JSON.stringify(pst));
  });

  test('unknown or malformed experiment header -> 404 / 400 with google.rpc.Status', async () => {
    let res = await post('/v1/traces', encodeTracesProto(agent.all), {
      'content-type': PROTO, 'x-mlflow-experiment-id': '987654321',
    });
    await expectOtlpError(res, { http: 404, grpcCode: 5, encoding: 'proto' });
    res = await post('/v1/traces', encodeTracesJson(agent.all), {
      'content-type': JSON_TYPE, 'x-mlflow-experiment-id': '987654321',
    });
    await expectOtlpError(res, { http: 404, grpcCode: 5, encoding: 'json' });
    res = await post('/v1/traces', encodeTracesJson(agent.all), {
      'content-type': JSON_TYPE, 'x-mlflow-experiment-id': '1; DROP TABLE spans',
    });
    await expectOtlpError(res, { http: 400, grpcCode: 3, encoding: 'json' });
    // The exporter reports the failure instead of retrying forever.
    const exporter = EXPORTERS['http/protobuf'](server, { experimentId: '987654321', timeoutMillis: 5000 });
    await assert.rejects(exportItems(exporter, agent.all));
    await exporter.shutdown();
    const r = await rest.request('GET', `/api/3.0/mlflow/traces/get?trace_id=tr-${agent.traceId}`);
    assert.equal(r.status, 404, 'nothing of the rejected trace may be stored');
  });

  test('gRPC: malformed request -> INVALID_ARGUMENT, unknown experiment -> NOT_FOUND', async () => {
    let { err } = await grpcRawCall(server.grpcTarget, TRACE_EXPORT_METHOD, GARBAGE_PROTO);
    assert.ok(err, 'garbage must fail');
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `got ${err.code}: ${err.details}`);
    ({ err } = await grpcRawCall(server.grpcTarget, LOGS_EXPORT_METHOD, GARBAGE_PROTO));
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT, `logs: got ${err?.code}: ${err?.details}`);

    const md = new grpc.Metadata();
    md.set('x-mlflow-experiment-id', '987654321');
    ({ err } = await grpcRawCall(server.grpcTarget, TRACE_EXPORT_METHOD, encodeTracesProto(agent.all), md));
    assert.equal(err?.code, grpc.status.NOT_FOUND, `unknown experiment: got ${err?.code}: ${err?.details}`);

    ({ err } = await grpcRawCall(server.grpcTarget, '/opentelemetry.proto.collector.trace.v1.TraceService/Nope',
      Buffer.alloc(0)));
    assert.equal(err?.code, grpc.status.UNIMPLEMENTED, `unknown method: got ${err?.code}`);

    const big = Buffer.alloc(MAX_REQUEST_BYTES * 4, 0x61);
    ({ err } = await grpcRawCall(server.grpcTarget, TRACE_EXPORT_METHOD, big));
    assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED, `oversized: got ${err?.code}: ${err?.details}`);
    await assertNothingStored();
  });

  test('MLflow REST errors: {error_code, message} with the MLflow status codes', async () => {
    const search = (extra) => rest.request('POST', '/api/3.0/mlflow/traces/search', {
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }], ...extra,
    });
    const expectError = (r, status, code, what) => {
      assert.equal(r.status, status, `${what}: ${r.text.slice(0, 300)}`);
      assert.ok(r.body && typeof r.body.message === 'string' && r.body.message.length > 0,
        `${what}: MLflow error body needs a message: ${r.text.slice(0, 300)}`);
      if (code) assert.equal(r.body.error_code, code, `${what}: error_code`);
      else assert.equal(typeof r.body.error_code, 'string', `${what}: error_code`);
    };

    expectError(await search({ filter: "attributes.status = " }), 400, 'INVALID_PARAMETER_VALUE', 'truncated filter');
    expectError(await search({ filter: "no_such_field = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', 'unknown field');
    expectError(await search({ filter: "attributes.status = 'OK' AND (" }), 400, 'INVALID_PARAMETER_VALUE', 'dangling paren');
    expectError(await search({ filter: "name = 'a'; DROP TABLE traces" }), 400, 'INVALID_PARAMETER_VALUE', 'trailing junk');
    expectError(await search({ order_by: ['no_such_column DESC'] }), 400, 'INVALID_PARAMETER_VALUE', 'bad order_by');
    expectError(await search({ page_token: 'not-a-page-token' }), 400, 'INVALID_PARAMETER_VALUE', 'bad page token');
    expectError(await search({ page_token: Buffer.from('{"offset": -5}').toString('base64') }), 400,
      'INVALID_PARAMETER_VALUE', 'forged page token');

    expectError(await rest.request('GET', '/api/3.0/mlflow/traces/get?trace_id=tr-0123456789abcdef0123456789abcdef'),
      404, 'RESOURCE_DOES_NOT_EXIST', 'unknown trace');
    const malformedId = await rest.request('GET', '/api/3.0/mlflow/traces/get?trace_id=tr-zz');
    assert.ok([400, 404].includes(malformedId.status), `malformed trace id: ${malformedId.status}`);
    expectError(malformedId, malformedId.status, null, 'malformed trace id');

    const name = `e2e-duplicate-${process.pid}`;
    await rest.createExperiment(name);
    expectError(await rest.request('POST', '/api/2.0/mlflow/experiments/create', { name }), 400,
      'RESOURCE_ALREADY_EXISTS', 'duplicate experiment name');
    expectError(await rest.request('POST', '/api/2.0/mlflow/experiments/create', {}), 400,
      'INVALID_PARAMETER_VALUE', 'experiment without a name');
    expectError(await rest.request('POST', '/api/2.0/mlflow/experiments/create', '{"name": '), 400, null,
      'malformed JSON body');
    const unknownPath = await rest.request('GET', '/api/2.0/mlflow/no-such-endpoint');
    assert.equal(unknownPath.status, 404, 'unknown API path');
  });

  test('after all that, the server still accepts and serves a valid trace', async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    const exporter = EXPORTERS['http/protobuf'](server, { experimentId });
    try {
      await exportItems(exporter, agent.all);
    } finally {
      await exporter.shutdown();
    }
    const found = await rest.searchAll(experimentId);
    assert.deepEqual(found.map((t) => t.trace_id), [`tr-${agent.traceId}`]);
    const { spans } = await rest.getTrace(agent.traceId);
    checkAgentTraceSpans(spans, agent);
  });
});

