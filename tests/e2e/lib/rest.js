// A small client for tracelake's MLflow-compatible REST API, and normalizers that turn MLflow's
// JSON shapes (OTel proto Span JSON: ids as base64 or hex, attributes as a KeyValue list or a
// map, status codes by name or number) into one form the tests compare against.
import assert from 'node:assert/strict';

// JSON.parse that keeps integers beyond 2^53 exact: MLflow writes int64 fields (span times in
// nanoseconds) as JSON numbers, which JSON.parse would round. Integer literals outside strings
// with more than 15 digits become decimal strings before parsing.
export function parseJsonExact(text) {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9.eE+-]/.test(text[j])) j++;
      const num = text.slice(i, j);
      out += /^-?\d{16,}$/.test(num) ? `"${num}"` : num;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

export class RestClient {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
  }

  // Returns {status, body (parsed JSON or null), text, headers}.
  async request(method, path, body, headers = {}) {
    const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(30000) };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      if (!('content-type' in init.headers)) init.headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, init);
    const text = await res.text();
    let parsed = null;
    try { parsed = text.length ? parseJsonExact(text) : null; } catch { parsed = null; }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  // Like request() but asserts a 200 answer and returns the JSON body.
  async ok(method, path, body) {
    const r = await this.request(method, path, body);
    assert.equal(r.status, 200, `${method} ${path} -> ${r.status}: ${r.text.slice(0, 500)}`);
    assert.ok(r.body !== null, `${method} ${path}: body is not JSON: ${r.text.slice(0, 200)}`);
    return r.body;
  }

  async createExperiment(name) {
    const body = await this.ok('POST', '/api/2.0/mlflow/experiments/create', { name });
    assert.match(String(body.experiment_id), /^\d+$/, `experiment_id: ${JSON.stringify(body)}`);
    return String(body.experiment_id);
  }

  // One page of search results: {traces, next_page_token}.
  async searchPage(experimentId, { filter, maxResults, orderBy, pageToken } = {}) {
    const req = {
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
    };
    if (filter !== undefined) req.filter = filter;
    if (maxResults !== undefined) req.max_results = maxResults;
    if (orderBy !== undefined) req.order_by = orderBy;
    if (pageToken !== undefined) req.page_token = pageToken;
    const body = await this.ok('POST', '/api/3.0/mlflow/traces/search', req);
    return { traces: body.traces ?? [], next_page_token: body.next_page_token || undefined };
  }

  // Every page; asserts the paging terminates.
  async searchAll(experimentId, opts = {}) {
    const all = [];
    let token;
    for (let page = 0; page < 1000; page++) {
      const r = await this.searchPage(experimentId, { ...opts, pageToken: token });
      all.push(...r.traces);
      token = r.next_page_token;
      if (!token) return all;
    }
    assert.fail('search paging did not end after 1000 pages');
  }

  // {info, spans (normalized)} of a trace by OTel hex id; asserts it exists.
  async getTrace(traceHex) {
    const body = await this.ok('GET', `/api/3.0/mlflow/traces/get?trace_id=tr-${traceHex}`);
    assert.ok(body.trace, `get trace: no "trace" in ${JSON.stringify(body).slice(0, 300)}`);
    const info = body.trace.trace_info;
    assert.ok(info, `get trace: no trace_info in ${JSON.stringify(body).slice(0, 300)}`);
    assert.ok(Array.isArray(body.trace.spans), 'get trace: spans is not a list');
    return { info, spans: body.trace.spans.map(normalizeSpan), raw: body.trace };
  }
}

// --- normalization -------------------------------------------------------------------------

function pick(obj, ...names) {
  for (const n of names) if (obj != null && obj[n] !== undefined) return obj[n];
  return undefined;
}

// Hex of an id given as hex (any case, optional "tr-" prefix) or as base64 bytes.
export function idToHex(value, bytes) {
  if (value === undefined || value === null || value === '') return '';
  let s = String(value);
  if (s.startsWith('tr-')) s = s.slice(3);
  if (s.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(s)) return s.toLowerCase();
  const buf = Buffer.from(s, 'base64');
  assert.equal(buf.length, bytes, `id ${JSON.stringify(value)} is neither ${bytes}-byte hex nor base64`);
  return buf.toString('hex');
}

// OTLP AnyValue JSON (snake or camel case) -> JS value.
export function anyValue(v) {
  if (v === null || typeof v !== 'object') return v;
  const s = pick(v, 'string_value', 'stringValue');
  if (s !== undefined) return s;
  const b = pick(v, 'bool_value', 'boolValue');
  if (b !== undefined) return b;
  const i = pick(v, 'int_value', 'intValue');
  if (i !== undefined) return Number(i);
  const d = pick(v, 'double_value', 'doubleValue');
  if (d !== undefined) return Number(d);
  const a = pick(v, 'array_value', 'arrayValue');
  if (a !== undefined) return (a.values ?? []).map(anyValue);
  const kv = pick(v, 'kvlist_value', 'kvlistValue');
  if (kv !== undefined) return attributesToMap(kv.values ?? []);
  const by = pick(v, 'bytes_value', 'bytesValue');
  if (by !== undefined) return Buffer.from(by, 'base64');
  return undefined;
}

// KeyValue list or plain map -> {key: value}.
export function attributesToMap(attrs) {
  if (!attrs) return {};
  if (!Array.isArray(attrs)) return { ...attrs };
  const out = {};
  for (const kv of attrs) out[kv.key] = anyValue(kv.value);
  return out;
}

// Status code by number (0,1,2) or name (STATUS_CODE_ERROR, ERROR) -> 'UNSET'|'OK'|'ERROR'.
export function statusName(status) {
  const code = status ? pick(status, 'code', 'status_code', 'statusCode') : undefined;
  if (code === undefined || code === null || code === 0 || code === '0') return 'UNSET';
  if (code === 1 || code === '1') return 'OK';
  if (code === 2 || code === '2') return 'ERROR';
  const s = String(code).replace(/^STATUS_CODE_/, '');
  return s === 'UNSET' ? 'UNSET' : s;
}

export function normalizeSpan(s) {
  const status = pick(s, 'status');
  return {
    traceId: idToHex(pick(s, 'trace_id', 'traceId'), 16),
    spanId: idToHex(pick(s, 'span_id', 'spanId'), 8),
    parentSpanId: idToHex(pick(s, 'parent_span_id', 'parentSpanId'), 8),
    name: pick(s, 'name'),
    kind: pick(s, 'kind'),
    startNs: BigInt(pick(s, 'start_time_unix_nano', 'startTimeUnixNano') ?? 0),
    endNs: BigInt(pick(s, 'end_time_unix_nano', 'endTimeUnixNano') ?? 0),
    status: statusName(status),
    statusMessage: status ? (pick(status, 'message') ?? '') : '',
    attributes: attributesToMap(pick(s, 'attributes')),
    events: (pick(s, 'events') ?? []).map((e) => ({
      name: e.name,
      timeNs: BigInt(pick(e, 'time_unix_nano', 'timeUnixNano') ?? 0),
      attributes: attributesToMap(e.attributes),
    })),
  };
}

// Parses an attribute MLflow stores JSON-encoded ("\"LLM\"", "{...}"); asserts it is JSON.
export function jsonAttr(span, key) {
  const v = span.attributes[key];
  assert.ok(v !== undefined, `span ${span.name}: attribute ${key} missing; has ${Object.keys(span.attributes).join(', ')}`);
  assert.equal(typeof v, 'string', `span ${span.name}: attribute ${key} is not a string: ${JSON.stringify(v)}`);
  try {
    return JSON.parse(v);
  } catch {
    assert.fail(`span ${span.name}: attribute ${key} is not JSON: ${v.slice(0, 200)}`);
  }
}

export function experimentOf(info) {
  return String(info?.trace_location?.mlflow_experiment?.experiment_id ?? info?.experiment_id ?? '');
}

// trace_id of a TraceInfoV3 as OTel hex.
export function traceHexOf(info) {
  return idToHex(info.trace_id ?? info.request_id, 16);
}
