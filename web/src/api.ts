// The REST API the UI uses: MLflow's, exactly as every other client sees it (docs/rest-api.md).
// plus tracelake's metrics endpoints (/api/2.0/tracelake/...), public like the rest: the UI has
// no private back door into the server.

export interface Experiment {
  experiment_id: string;
  name: string;
  lifecycle_stage?: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: { key: string; value: string }[];
}

export type AssessmentSourceType = 'HUMAN' | 'LLM_JUDGE' | 'CODE' | 'SOURCE_TYPE_UNSPECIFIED';

export interface Assessment {
  assessment_id: string;
  assessment_name: string;
  trace_id?: string;
  span_id?: string;
  source?: { source_type?: AssessmentSourceType; source_id?: string };
  create_time?: string;
  last_update_time?: string;
  feedback?: { value?: unknown; error?: { error_code?: string; error_message?: string } };
  expectation?: { value?: unknown; serialized_value?: { serialization_format?: string; value?: string } };
  rationale?: string;
  metadata?: Record<string, string>;
  overrides?: string;
  valid?: boolean;
}

export interface TraceInfo {
  trace_id: string;
  client_request_id?: string;
  trace_location?: { mlflow_experiment?: { experiment_id?: string } };
  request_preview?: string;
  response_preview?: string;
  request_time?: string;
  execution_duration?: string;
  state?: string;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
  assessments?: Assessment[];
}

export interface RawKeyValue { key: string; value?: RawAnyValue }
export interface RawAnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number | string;
  double_value?: number;
  array_value?: { values?: RawAnyValue[] };
  kvlist_value?: { values?: RawKeyValue[] };
  bytes_value?: string;
}
export interface RawEvent { name?: string; time_unix_nano?: number | string; attributes?: RawKeyValue[] }
export interface RawSpan {
  trace_id?: string;
  span_id?: string;
  parent_span_id?: string;
  name?: string;
  kind?: string;
  start_time_unix_nano?: number | string;
  end_time_unix_nano?: number | string;
  attributes?: RawKeyValue[];
  events?: RawEvent[];
  status?: { code?: string | number; message?: string };
}

export interface SearchResult { traces: TraceInfo[]; next_page_token?: string }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, signal, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the server (${(e as Error).message})`);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const err = (parsed ?? {}) as { error_code?: string; message?: string };
    throw new ApiError(res.status, err.error_code ?? `HTTP_${res.status}`,
                       err.message ?? `${method} ${path} answered ${res.status}`);
  }
  if (parsed === null) throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path}: not JSON`);
  return parsed as T;
}

const enc = encodeURIComponent;

export async function searchExperiments(): Promise<Experiment[]> {
  const out: Experiment[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await call<{ experiments?: Experiment[]; next_page_token?: string }>(
      'POST', '/api/2.0/mlflow/experiments/search',
      { max_results: 1000, order_by: ['last_update_time DESC'], view_type: 'ACTIVE_ONLY', page_token: token });
    out.push(...(r.experiments ?? []));
    token = r.next_page_token;
    if (!token) break;
  }
  return out;
}

export async function getExperiment(id: string): Promise<Experiment> {
  const r = await call<{ experiment: Experiment }>('GET', `/api/2.0/mlflow/experiments/get?experiment_id=${enc(id)}`);
  return r.experiment;
}

export async function createExperiment(name: string): Promise<string> {
  const r = await call<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { name });
  return String(r.experiment_id);
}

export interface SearchParams {
  experimentId: string;
  filter: string;
  orderBy: string[];
  maxResults: number;
  pageToken?: string;
}

export async function searchTraces(p: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  const body: Record<string, unknown> = {
    locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: p.experimentId } }],
    max_results: p.maxResults,
    order_by: p.orderBy,
  };
  if (p.filter) body.filter = p.filter;
  if (p.pageToken) body.page_token = p.pageToken;
  const r = await call<SearchResult>('POST', '/api/3.0/mlflow/traces/search', body, signal);
  return { traces: r.traces ?? [], next_page_token: r.next_page_token || undefined };
}

export async function getTrace(traceId: string, signal?: AbortSignal): Promise<{ info: TraceInfo; spans: RawSpan[] }> {
  const r = await call<{ trace: { trace_info: TraceInfo; spans?: RawSpan[] } }>(
    'GET', `/api/3.0/mlflow/traces/get?trace_id=${enc(traceId)}&allow_partial=true`, undefined, signal);
  return { info: r.trace.trace_info, spans: r.trace.spans ?? [] };
}

export async function getTraceInfo(traceId: string): Promise<TraceInfo> {
  const r = await call<{ trace: { trace_info: TraceInfo } }>('GET', `/api/3.0/mlflow/traces/${enc(traceId)}`);
  return r.trace.trace_info;
}

export async function setTraceTag(traceId: string, key: string, value: string): Promise<void> {
  await call('PATCH', `/api/3.0/mlflow/traces/${enc(traceId)}/tags`, { key, value });
}

export async function deleteTraceTag(traceId: string, key: string): Promise<void> {
  await call('DELETE', `/api/3.0/mlflow/traces/${enc(traceId)}/tags?key=${enc(key)}`);
}

export async function createAssessment(traceId: string, a: Partial<Assessment>): Promise<Assessment> {
  const r = await call<{ assessment: Assessment }>(
    'POST', `/api/3.0/mlflow/traces/${enc(traceId)}/assessments`, { assessment: a });
  return r.assessment;
}

export async function updateAssessment(traceId: string, id: string, a: Partial<Assessment>,
                                       mask: string[]): Promise<Assessment> {
  const r = await call<{ assessment: Assessment }>(
    'PATCH', `/api/3.0/mlflow/traces/${enc(traceId)}/assessments/${enc(id)}`,
    { assessment: a, update_mask: mask.join(',') });
  return r.assessment;
}

export async function deleteAssessment(traceId: string, id: string): Promise<void> {
  await call('DELETE', `/api/3.0/mlflow/traces/${enc(traceId)}/assessments/${enc(id)}`);
}

// tracelake's own metrics API (docs/metrics.md), public like the rest.
export interface MetricPoint { time_ms: number; values: Record<string, number | null> }
export interface MetricSeries { group: Record<string, string | null>; points: MetricPoint[] }
export interface MetricQuery {
  experiment_ids: string[];
  start_time_ms: number;
  end_time_ms: number;
  bucket_ms?: number;
  metrics: string[];
  group_by?: string[];
  filter?: string;
}
export interface MetricAnswer { series: MetricSeries[]; source?: string }

export async function queryMetrics(q: MetricQuery, signal?: AbortSignal): Promise<MetricAnswer> {
  const r = await call<MetricAnswer>('POST', '/api/2.0/tracelake/metrics/query', q, signal);
  return { series: r.series ?? [], source: r.source };
}

export interface TraceCost {
  trace_id: string;
  cost_usd: number | null;
  unpriced_models: string[];
  models: { model: string; input_tokens: number; output_tokens: number; cached_input_tokens: number; cost_usd: number | null }[];
}

export async function traceCosts(traceIds: string[], signal?: AbortSignal): Promise<Map<string, TraceCost>> {
  const out = new Map<string, TraceCost>();
  if (traceIds.length === 0) return out;
  const r = await call<{ traces?: TraceCost[] }>('POST', '/api/2.0/tracelake/traces/costs', { trace_ids: traceIds }, signal);
  for (const t of r.traces ?? []) out.set(t.trace_id, t);
  return out;
}
