// Evaluation datasets through MLflow's REST API (docs/datasets.md, docs/rest-api.md "Evaluation
// datasets"), plus tracelake's records-from-traces endpoint. MLflow's messages carry record
// lists and tag maps as JSON text inside the JSON body; this file hides that.
import { call } from './api';

const enc = encodeURIComponent;

export interface Dataset {
  dataset_id: string;
  name: string;
  tags?: string;              // JSON text: {"key": "value"}
  digest?: string;
  created_time?: number;      // ms
  last_update_time?: number;  // ms
  experiment_ids?: string[];
  schema?: string;            // JSON text
  profile?: string;           // JSON text: {"num_records": n}, absent when empty
  created_by?: string;
  last_updated_by?: string;
}

export interface RecordSource {
  source_type?: string;  // TRACE, HUMAN, DOCUMENT, CODE
  source_data?: Record<string, unknown>;
}

export interface DatasetRecord {
  dataset_record_id: string;
  dataset_id: string;
  created_time?: number;
  last_update_time?: number;
  inputs?: Record<string, unknown>;
  expectations?: Record<string, unknown>;
  outputs?: unknown;
  tags?: Record<string, string>;
  source?: RecordSource;
  source_type?: string;
  source_id?: string;
  created_by?: string;
  last_updated_by?: string;
}

// What an upsert sends: MLflow's record form.
export interface RecordInput {
  inputs: Record<string, unknown>;
  expectations?: Record<string, unknown>;
  outputs?: unknown;
  tags?: Record<string, string>;
  source?: RecordSource;
}

export interface UpsertCounts { inserted_count: number; updated_count: number }
export interface FromTracesCounts extends UpsertCounts { trace_count: number }

function parseText<T>(text: string | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function datasetTags(d: Dataset): Record<string, string> {
  const t = parseText<unknown>(d.tags, {});
  return t && typeof t === 'object' && !Array.isArray(t) ? t as Record<string, string> : {};
}

// The record count from the profile MLflow keeps; 0 when there is none (an empty dataset).
export function datasetRecordCount(d: Dataset): number | undefined {
  if (!d.profile) return 0;
  const p = parseText<{ num_records?: unknown }>(d.profile, {});
  return typeof p.num_records === 'number' ? p.num_records : undefined;
}

// Every dataset linked to the experiment, most recently updated first.
export async function searchDatasets(experimentId: string, signal?: AbortSignal): Promise<Dataset[]> {
  const out: Dataset[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await call<{ datasets?: Dataset[]; next_page_token?: string }>(
      'POST', '/api/3.0/mlflow/datasets/search',
      { experiment_ids: [experimentId], max_results: 1000, order_by: ['last_update_time DESC'], page_token: token },
      signal);
    out.push(...(r.datasets ?? []));
    token = r.next_page_token;
    if (!token) break;
  }
  return out;
}

export async function getDataset(id: string, signal?: AbortSignal): Promise<Dataset> {
  const r = await call<{ dataset: Dataset }>('GET', `/api/3.0/mlflow/datasets/${enc(id)}`, undefined, signal);
  return r.dataset;
}

export async function createDataset(name: string, experimentId: string): Promise<Dataset> {
  const r = await call<{ dataset: Dataset }>('POST', '/api/3.0/mlflow/datasets/create',
                                             { name, experiment_ids: [experimentId] });
  return r.dataset;
}

export async function deleteDataset(id: string): Promise<void> {
  await call('DELETE', `/api/3.0/mlflow/datasets/${enc(id)}`);
}

export interface RecordPage { records: DatasetRecord[]; next_page_token?: string }

// One page of records, in the order they were added.
export async function getRecords(id: string, maxResults: number, pageToken?: string,
                                 signal?: AbortSignal): Promise<RecordPage> {
  let path = `/api/3.0/mlflow/datasets/${enc(id)}/records?max_results=${maxResults}`;
  if (pageToken) path += `&page_token=${enc(pageToken)}`;
  const r = await call<{ records?: string; next_page_token?: string }>('GET', path, undefined, signal);
  const list = parseText<unknown>(r.records, []);
  return { records: Array.isArray(list) ? list as DatasetRecord[] : [], next_page_token: r.next_page_token || undefined };
}

// Adds records; a record whose inputs equal a stored one's merges into it (outputs replaced,
// expectations and tags merged key by key).
export async function upsertRecords(id: string, records: RecordInput[]): Promise<UpsertCounts> {
  const r = await call<Partial<UpsertCounts>>('POST', `/api/3.0/mlflow/datasets/${enc(id)}/records`,
                                              { records: JSON.stringify(records) });
  return { inserted_count: Number(r.inserted_count ?? 0), updated_count: Number(r.updated_count ?? 0) };
}

export async function deleteRecords(id: string, recordIds: string[]): Promise<number> {
  const r = await call<{ deleted_count?: number }>('DELETE', `/api/3.0/mlflow/datasets/${enc(id)}/records`,
                                                   { dataset_record_ids: recordIds });
  return Number(r.deleted_count ?? 0);
}

export async function addTracesToDataset(id: string, traceIds: string[]): Promise<FromTracesCounts> {
  const r = await call<Partial<FromTracesCounts>>(
    'POST', `/api/2.0/tracelake/datasets/${enc(id)}/records/from-traces`, { trace_ids: traceIds });
  return { trace_count: Number(r.trace_count ?? 0), inserted_count: Number(r.inserted_count ?? 0),
           updated_count: Number(r.updated_count ?? 0) };
}

// The trace a record came from, when its source is a trace.
export function recordTraceId(r: DatasetRecord): string | undefined {
  const type = r.source?.source_type ?? r.source_type;
  if (type !== 'TRACE') return undefined;
  const id = r.source?.source_data?.trace_id;
  if (typeof id === 'string' && id) return id;
  return r.source_id || undefined;
}

// Edits one record in place (tracelake's PATCH .../records/{record_id}): its inputs and
// expectations replaced whole, its id, outputs, tags and source kept. Inputs another record
// already has are refused (400, naming that record), and nothing changes.
export async function editRecord(datasetId: string, old: DatasetRecord, inputs: Record<string, unknown>,
                                 expectations: Record<string, unknown>): Promise<DatasetRecord> {
  const r = await call<{ record: DatasetRecord }>('PATCH',
    `/api/2.0/tracelake/datasets/${encodeURIComponent(datasetId)}/records/${encodeURIComponent(old.dataset_record_id)}`,
    { inputs, expectations });
  return r.record;
}

// Parses the text of a JSON field of a form; the error names the field and says what is wrong.
export function parseJsonField(text: string, field: string, opts: { object: boolean; required: boolean }):
    { ok: true; value: unknown } | { ok: false; error: string } {
  if (text.trim() === '') {
    if (opts.required) return { ok: false, error: `${field}: required (a JSON object, e.g. {"question": "..."})` };
    return { ok: true, value: undefined };
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${field}: invalid JSON (${(e as Error).message})` };
  }
  if (opts.object && (v === null || typeof v !== 'object' || Array.isArray(v))) {
    const got = v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
    return { ok: false, error: `${field}: must be a JSON object ({...}), got ${got}` };
  }
  return { ok: true, value: v };
}
