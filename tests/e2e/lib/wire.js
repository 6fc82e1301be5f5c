// Raw request helpers for tests that send what no well-behaved exporter would: hand-made
// OTLP bodies, a minimal google.rpc.Status protobuf decoder, and a raw gRPC unary call.
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

export const TRACE_EXPORT_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const LOGS_EXPORT_METHOD = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

// ReadableSpans -> ExportTraceServiceRequest bytes, exactly as the SDK's exporters encode them.
export const encodeTracesProto = (spans) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
export const encodeTracesJson = (spans) => Buffer.from(JsonTraceSerializer.serializeRequest(spans));

function readVarint(buf, pos) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    assert.ok(pos < buf.length, 'truncated varint in google.rpc.Status');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    assert.ok(shift < 70n, 'varint too long in google.rpc.Status');
  }
}

// google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
export function decodeRpcStatusProto(buf) {
  const out = { code: 0, message: '', details: 0 };
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      let v;
      [v, pos] = readVarint(buf, pos);
      if (field === 1) out.code = Number(BigInt.asIntN(32, v));
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      const end = pos + Number(len);
      assert.ok(end <= buf.length, 'truncated field in google.rpc.Status');
      if (field === 2) out.message = buf.subarray(pos, end).toString('utf8');
      if (field === 3) out.details++;
      pos = end;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 1) {
      pos += 8;
    } else {
      assert.fail(`unexpected wire type ${wire} in google.rpc.Status`);
    }
  }
  return out;
}

// Asserts an OTLP/HTTP error answer: HTTP status, Content-Type of the request's encoding and a
// google.rpc.Status body with the given gRPC code. Returns the decoded status.
export async function expectOtlpError(res, { http, grpcCode, encoding }) {
  const body = Buffer.from(await res.arrayBuffer());
  const ctype = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  assert.equal(res.status, http, `expected HTTP ${http}, got ${res.status}: ${body.toString('utf8').slice(0, 300)}`);
  let st;
  if (encoding === 'json') {
    assert.equal(ctype, 'application/json', 'error body must use the request encoding (JSON)');
    st = JSON.parse(body.toString('utf8'));
    assert.equal(typeof st.message, 'string', `google.rpc.Status JSON needs a message: ${body}`);
    assert.ok(!('error_code' in st), `OTLP errors are google.rpc.Status, not MLflow errors: ${body}`);
  } else {
    assert.equal(ctype, 'application/x-protobuf', 'error body must use the request encoding (protobuf)');
    st = decodeRpcStatusProto(body);
  }
  assert.equal(st.code, grpcCode, `google.rpc.Status code: ${JSON.stringify(st)}`);
  assert.ok(st.message.length > 0, 'google.rpc.Status message must say what was wrong');
  return st;
}

// One raw unary gRPC call with bytes in and bytes out. Resolves {err, response}.
export function grpcRawCall(target, method, payload, metadata = new grpc.Metadata(), options = {}) {
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), options);
  return new Promise((resolve) => {
    client.makeUnaryRequest(method, (b) => b, (b) => b, payload, metadata,
      { deadline: Date.now() + 20000 }, (err, response) => {
        client.close();
        resolve({ err, response });
      });
  });
}

export { grpc };
