// Evaluation runs (docs/evaluation.md): MLflow runs tagged `tracelake.eval` by the evaluation
// service, read through the same public REST every client uses: runs/search and runs/get for the
// runs, /api/2.0/tracelake/evaluations/... for progress, per-record verdicts and comparisons.
import { call, searchTraces } from './api';
import { previewText } from './preview';

const enc = encodeURIComponent;

// The tags the evaluation service puts on its runs (src/server/tracelake/evaluations.cc).
export const EVAL_TAG = 'tracelake.eval';
export const EVAL_SPEC_TAG = 'tracelake.eval.spec';

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  status: string;
  start_time?: number;
  end_time?: number;
  lifecycle_stage?: string;
}
export interface Run {
  info: RunInfo;
  data: { metrics?: { key: string; value: number | string }[]; tags?: { key: string; value: string }[] };
}

export interface ScorerSummary {
  name: string;
  yes: number;
  no: number;
  unknown: number;
  values?: number;
  pass_rate: number | null;
  ci_low?: number;
  ci_high?: number;
  mean?: number;
}

export interface EvalProgress {
  total: number;
  done: number;
  resumed: number;
  failed: number;
  finished: boolean;
  elapsed_seconds: number;
  records_per_second: number | null;
  eta_seconds: number | null;
}

export interface EvalStatus {
  run_id: string;
  experiment_id: string;
  status: string;
  progress?: EvalProgress;  // only while (or after) this server process runs the evaluation
  scorers: ScorerSummary[];  // from the stored feedback: the aggregates so far while it runs
  error?: string;
  run_name?: string;
  records_scored?: number;
  spec?: EvalSpec;
}

export type VerdictName = 'yes' | 'no' | 'unknown' | 'value';

export interface RecordFeedback {
  name: string;
  verdict: VerdictName;
  value: unknown;
  rationale?: string;
  error?: string | null;
}
export interface EvalRecord { record_key: string; trace_id: string; feedback: RecordFeedback[] }
export interface RecordsAnswer { run_id: string; records: EvalRecord[]; truncated: boolean }

export interface ChangedRecord {
  record_key: string;
  trace_a: string;
  trace_b: string;
  verdict_a: VerdictName;
  verdict_b: VerdictName;
}
export interface ScorerComparison {
  name: string;
  both_yes: number;
  both_no: number;
  yes_to_no: number;
  no_to_yes: number;
  with_unknown: number;
  only_in_a: number;
  only_in_b: number;
  pass_rate_a: number | null;
  pass_rate_b: number | null;
  p_value: number | null;
  significant: boolean;
  changed: ChangedRecord[];
}
export interface CompareAnswer { run_a: string; run_b: string; test?: string; scorers: ScorerComparison[] }

// The stored spec (agent headers are never stored).
export interface EvalSpec {
  experiment_id?: string;
  dataset_id?: string;
  traces?: { filter?: string; max_results?: number };
  scorers?: unknown[];
  agent?: { url?: string; kind?: string; model?: string; request_template?: string; output_pointer?: string; timeout_seconds?: number };
  judge_model?: string;
  concurrency?: number;
  run_name?: string;
}

// MLflow's tag on the runs mlflow.genai.evaluate makes (their feedback is on their traces, as
// tracelake's own runs'; they have no stored spec).
export const RUN_TYPE_TAG = 'mlflow.runType';
export const GENAI_EVALUATE = 'genai_evaluate';

// The experiment's evaluation runs, tracelake's and mlflow.genai.evaluate's, newest first. (The
// run filter grammar has no OR: one search per kind.)
export async function searchEvaluationRuns(experimentId: string, signal?: AbortSignal): Promise<Run[]> {
  const byId = new Map<string, Run>();
  for (const filter of [`tags.\`${EVAL_TAG}\` = 'true'`, `tags.\`${RUN_TYPE_TAG}\` = '${GENAI_EVALUATE}'`]) {
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await call<{ runs?: Run[]; next_page_token?: string }>('POST', '/api/2.0/mlflow/runs/search', {
        experiment_ids: [experimentId],
        filter,
        order_by: ['attributes.start_time DESC'],
        max_results: 1000,
        page_token: token,
      }, signal);
      for (const run of r.runs ?? []) byId.set(run.info.run_id, run);
      token = r.next_page_token;
      if (!token) break;
    }
  }
  return [...byId.values()].sort((a, b) => (b.info.start_time ?? 0) - (a.info.start_time ?? 0));
}

export function isGenaiEvaluate(run: Run): boolean {
  return (run.data.tags ?? []).some((t) => t.key === RUN_TYPE_TAG && t.value === GENAI_EVALUATE);
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  const r = await call<{ run: Run }>('GET', `/api/2.0/mlflow/runs/get?run_id=${enc(runId)}`, undefined, signal);
  return r.run;
}

export async function getEvaluation(runId: string, signal?: AbortSignal): Promise<EvalStatus> {
  const r = await call<EvalStatus>('GET', `/api/2.0/tracelake/evaluations/${enc(runId)}`, undefined, signal);
  return { ...r, scorers: r.scorers ?? [] };
}

export async function getEvaluationRecords(runId: string, signal?: AbortSignal): Promise<RecordsAnswer> {
  const r = await call<RecordsAnswer>('GET', `/api/2.0/tracelake/evaluations/${enc(runId)}/records`, undefined, signal);
  return { run_id: r.run_id, records: r.records ?? [], truncated: !!r.truncated };
}

export async function cancelEvaluation(runId: string): Promise<EvalStatus> {
  return call<EvalStatus>('POST', `/api/2.0/tracelake/evaluations/${enc(runId)}/cancel`, {});
}

export async function compareEvaluations(a: string, b: string, signal?: AbortSignal): Promise<CompareAnswer> {
  const r = await call<CompareAnswer>(
    'GET', `/api/2.0/tracelake/evaluations/compare?run_a=${enc(a)}&run_b=${enc(b)}`, undefined, signal);
  return { ...r, scorers: r.scorers ?? [] };
}

// The question each record's trace was asked, by trace id: the run's traces (`run_id = '...'`,
// MLflow's filter) with their request previews. At most `limit` traces; a convenience only.
export async function runTracePreviews(experimentId: string, runId: string, limit = 5000,
                                       signal?: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  while (out.size < limit) {
    const r = await searchTraces({
      experimentId, filter: `run_id = '${runId.replace(/'/g, "''")}'`, orderBy: ['timestamp_ms ASC'],
      maxResults: 500, pageToken: token,
    }, signal);
    for (const t of r.traces) out.set(t.trace_id, previewText(t.request_preview, 'user'));
    token = r.next_page_token;
    if (!token || r.traces.length === 0) break;
  }
  return out;
}

export function runTag(run: Run, key: string): string | undefined {
  return run.data.tags?.find((t) => t.key === key)?.value;
}

export function runSpec(run: Run): EvalSpec | undefined {
  const text = runTag(run, EVAL_SPEC_TAG);
  if (!text) return undefined;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? v as EvalSpec : undefined;
  } catch {
    return undefined;
  }
}

// A scorer spec as one short label: its assessment name when it has one.
export function scorerLabel(s: unknown): string {
  if (typeof s === 'string') return s;
  if (s && typeof s === 'object') {
    const o = s as Record<string, unknown>;
    for (const k of ['assessment_name', 'name', 'registered', 'server_scorer']) {
      if (typeof o[k] === 'string') return o[k] as string;
    }
    if (typeof o.instructions === 'string') return 'custom judge';
    if (o.serialized_scorer && typeof o.serialized_scorer === 'object') {
      const n = (o.serialized_scorer as Record<string, unknown>).name;
      if (typeof n === 'string') return n;
    }
  }
  return JSON.stringify(s);
}

// The 95% Wilson score interval of k passes in n decided verdicts (as src/eval/stats.cc).
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n <= 0) return [0, 0];
  const p = k / n;
  const z2 = z * z;
  const d = 1 + z2 / n;
  const c = (p + z2 / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

function summaryOf(name: string, yes: number, no: number, unknown: number): ScorerSummary {
  const n = yes + no;
  if (n === 0) return { name, yes, no, unknown, pass_rate: null };
  const [lo, hi] = wilson(yes, n);
  return { name, yes, no, unknown, pass_rate: yes / n, ci_low: lo, ci_high: hi };
}

// Aggregates from the per-record verdicts (while a run is in flight the server has none yet).
// Per-span scorers give a record several verdicts of one name; each counts, as on the server.
export function summariesFromRecords(records: EvalRecord[]): ScorerSummary[] {
  const counts = new Map<string, { yes: number; no: number; unknown: number }>();
  for (const r of records) {
    for (const f of r.feedback) {
      let c = counts.get(f.name);
      if (!c) counts.set(f.name, (c = { yes: 0, no: 0, unknown: 0 }));
      if (f.verdict === 'yes') c.yes++;
      else if (f.verdict === 'no') c.no++;
      else if (f.verdict === 'unknown') c.unknown++;
    }
  }
  return [...counts.entries()].map(([name, c]) => summaryOf(name, c.yes, c.no, c.unknown));
}

// Aggregates from a finished run's metrics (<name>/yes, /no, /unknown, /mean, /ci_low, /ci_high).
export function summariesFromMetrics(run: Run): ScorerSummary[] {
  const m = new Map<string, Record<string, number>>();
  for (const x of run.data.metrics ?? []) {
    const i = x.key.lastIndexOf('/');
    if (i <= 0) continue;
    const name = x.key.slice(0, i);
    const value = typeof x.value === 'number' ? x.value : Number(x.value);
    if (!m.has(name)) m.set(name, {});
    m.get(name)![x.key.slice(i + 1)] = value;
  }
  const out: ScorerSummary[] = [];
  for (const [name, v] of m) {
    if (v.yes === undefined && v.no === undefined && v.unknown === undefined) {
      // mlflow.genai.evaluate logs only <name>/mean.
      if (v.mean !== undefined && Number.isFinite(v.mean)) {
        out.push({ name, yes: 0, no: 0, unknown: 0, pass_rate: null, mean: v.mean });
      }
      continue;
    }
    const s = summaryOf(name, v.yes ?? 0, v.no ?? 0, v.unknown ?? 0);
    if (s.pass_rate === null && v.mean !== undefined) s.mean = v.mean;
    out.push(s);
  }
  return out;
}

export function percent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return String(Number(p.toFixed(3)));
}

// The change of one scorer between A and B, in words.
export function changeWords(c: ScorerComparison): string {
  const p = formatP(c.p_value);
  const pText = p.startsWith('<') ? `p ${p}` : `p = ${p}`;
  if (!c.significant) return `no significant change (${pText})`;
  const worse = c.yes_to_no > c.no_to_yes;
  return `B is ${worse ? 'worse' : 'better'}, unlikely to be noise (${pText})`;
}

export function isActive(status: string | undefined): boolean {
  return status === 'RUNNING' || status === 'SCHEDULED';
}

// Registered scorers and their online scoring (MLflow's scorers REST, tracelake's status).
export interface RegisteredScorer {
  scorer_name: string;
  scorer_version: number;
  scorer_id: string;
  serialized_scorer: string;
}
export interface OnlineConfig { scorer_id: string; sample_rate: number; filter_string?: string }
export interface OnlineExperimentStatus {
  experiment_id: string;
  traces_scored: number;
  verdicts: number;
  errors: number;
  last_error?: string;
  paused: boolean;
  pause_reason?: string;
  spend: { day: string; usd: number; tokens: number };
  last_verdict_lag_ms?: number;
}

// MLflow's built-in judges, by class (eval/builtin_judges.cc).
export const BUILTIN_JUDGES = [
  'Correctness', 'RelevanceToQuery', 'Guidelines', 'ExpectationsGuidelines', 'Safety', 'Equivalence',
  'RetrievalGroundedness', 'RetrievalRelevance', 'RetrievalSufficiency', 'ToolCallCorrectness',
  'ToolCallEfficiency', 'Completeness', 'Fluency', 'Summarization',
];

export async function listScorers(experimentId: string, signal?: AbortSignal): Promise<RegisteredScorer[]> {
  const r = await call<{ scorers?: RegisteredScorer[] }>('GET',
    `/api/3.0/mlflow/scorers/list?experiment_id=${enc(experimentId)}`, undefined, signal);
  return r.scorers ?? [];
}

export async function getOnlineConfigs(ids: string[], signal?: AbortSignal): Promise<OnlineConfig[]> {
  if (ids.length === 0) return [];
  const q = ids.map((id) => `scorer_ids=${enc(id)}`).join('&');
  const r = await call<{ configs?: OnlineConfig[] }>('GET', `/api/3.0/mlflow/scorers/online-configs?${q}`, undefined, signal);
  return r.configs ?? [];
}

export async function putOnlineConfig(experimentId: string, name: string, sampleRate: number, filter: string): Promise<void> {
  const body: Record<string, unknown> = { experiment_id: experimentId, name, sample_rate: sampleRate };
  if (filter.trim()) body.filter_string = filter.trim();
  await call('PUT', '/api/3.0/mlflow/scorers/online-config', body);
}

export async function registerBuiltinJudge(experimentId: string, name: string, cls: string, guidelines: string[]): Promise<void> {
  const serialized: Record<string, unknown> = { name, builtin_scorer_class: cls };
  if (guidelines.length > 0) serialized.builtin_scorer_pydantic_data = { name, guidelines };
  await call('POST', '/api/3.0/mlflow/scorers/register',
    { experiment_id: experimentId, name, serialized_scorer: JSON.stringify(serialized) });
}

export async function onlineScoringStatus(experimentId: string, signal?: AbortSignal): Promise<OnlineExperimentStatus | undefined> {
  const r = await call<{ experiments?: OnlineExperimentStatus[] }>('GET', '/api/2.0/tracelake/online-scoring', undefined, signal);
  return (r.experiments ?? []).find((e) => e.experiment_id === experimentId);
}

// The judge class (or "custom") a serialized scorer names.
export function judgeKind(serialized: string): string {
  try {
    const v = JSON.parse(serialized) as Record<string, unknown>;
    if (typeof v.builtin_scorer_class === 'string') return v.builtin_scorer_class;
    if (v.instructions_judge_pydantic_data) return 'instructions judge';
    return 'custom';
  } catch {
    return 'custom';
  }
}
