// One evaluation run: per-scorer aggregates (yes / no / unknown, pass rate with its 95% Wilson
// interval; unknown is shown beside the rate and never counted as a pass), the run's spec,
// progress and Cancel while it runs, and every record's verdicts with rationales and a link to
// the record's trace. The verdict filter lives in the URL (`verdict`, `scorer`): shareable, and
// Back works. Rationales, errors and record keys are untrusted text, rendered as text.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type Experiment, getExperiment } from '../api';
import { cancelEvaluation, type EvalProgress, type EvalRecord, type EvalSpec, type EvalStatus, getEvaluation,
         getEvaluationRecords, getRun, isActive, percent, type RecordFeedback, type Run, runSpec,
         runTracePreviews, scorerLabel, type ScorerSummary, summariesFromRecords } from '../evaluations_api';
import { formatDuration, formatInt, formatTime, valueText } from '../format';
import { linkClick, navigate, withQuery } from '../router';
import { ExperimentNav } from './ExperimentNav';

const REFRESH_MS = 1500;
const PAGE = 200;
const VERDICTS = ['yes', 'no', 'unknown'] as const;

export function StatusBadge({ status }: { status: string }) {
  return <span class={`state ev-st ev-st-${status}`} data-status={status}>{status.toLowerCase()}</span>;
}

export function ProgressBar({ progress, compact }: { progress: EvalProgress; compact?: boolean }) {
  const finished = progress.done + progress.resumed;
  const frac = progress.total > 0 ? Math.min(1, finished / progress.total) : 0;
  return (
    <div class={compact ? 'ev-progress compact' : 'ev-progress'} data-progress>
      <div class="ev-bar" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={finished}>
        <div class="ev-bar-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
      </div>
      <span class="small">
        {formatInt(finished)} / {formatInt(progress.total)} records
        {progress.failed > 0 && <span class="error"> · {formatInt(progress.failed)} failed</span>}
        {!compact && progress.records_per_second !== null && progress.records_per_second > 0 &&
          <> · {progress.records_per_second.toFixed(1)}/s</>}
        {!compact && progress.eta_seconds !== null && !progress.finished &&
          <> · {formatDuration(progress.eta_seconds * 1000)} left</>}
      </span>
    </div>
  );
}

// The pass rate as a point inside its interval, on a 0–100% track.
export function IntervalBar({ rate, low, high }: { rate: number | null; low?: number; high?: number }) {
  if (rate === null || low === undefined || high === undefined) return <div class="ev-ci empty-ci" />;
  return (
    <div class="ev-ci" title={`${percent(rate)} (95% interval ${percent(low)} – ${percent(high)})`} aria-hidden="true">
      <div class="ev-ci-range" style={{ left: `${low * 100}%`, width: `${Math.max(0.5, (high - low) * 100)}%` }} />
      <div class="ev-ci-point" style={{ left: `${rate * 100}%` }} />
    </div>
  );
}

export function VerdictBadge({ verdict, value }: { verdict: string; value?: unknown }) {
  const text = verdict === 'value' ? valueText(value) : verdict;
  return <span class={`ev-v ev-v-${verdict}`} data-verdict={verdict}>{text}</span>;
}

export function traceHref(experimentId: string, traceId: string): string {
  return `/experiments/${encodeURIComponent(experimentId)}/traces/${encodeURIComponent(traceId)}`;
}

function Aggregates({ summaries, partial }: { summaries: ScorerSummary[]; partial: boolean }) {
  if (summaries.length === 0) return <div class="empty">No verdicts yet.</div>;
  return (
    <div class="ev-aggs">
      {partial && <div class="muted small">So far (computed from the records scored until now; the run's own figures come when it ends).</div>}
      <table class="ev-agg">
        <thead>
          <tr>
            <th>Scorer</th><th class="num">yes</th><th class="num">no</th><th class="num">unknown</th>
            <th class="num">pass rate</th><th>95% interval (Wilson)</th><th class="ev-ci-col" />
          </tr>
        </thead>
        <tbody>
          {summaries.map((s) => (
            <tr key={s.name} data-scorer={s.name}>
              <td><b>{s.name}</b></td>
              <td class="num" data-count="yes">{s.yes}</td>
              <td class="num" data-count="no">{s.no}</td>
              <td class="num" data-count="unknown">{s.unknown}</td>
              <td class="num" data-rate>{s.pass_rate === null ? (s.mean !== undefined ? `mean ${s.mean.toFixed(3)}` : '—') : percent(s.pass_rate)}</td>
              <td data-ci>{s.pass_rate === null ? '—' : `${percent(s.ci_low)} – ${percent(s.ci_high)}`}</td>
              <td class="ev-ci-col"><IntervalBar rate={s.pass_rate} low={s.ci_low} high={s.ci_high} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="muted small">Pass rate = yes / (yes + no). Unknown verdicts (errors, refusals, unparseable answers) are left out of the rate and never counted as a pass.</div>
    </div>
  );
}

function SpecView({ spec, experimentId }: { spec?: EvalSpec; experimentId: string }) {
  if (!spec) return <div class="muted small">No stored spec.</div>;
  const rows: [string, ComponentChildren][] = [];
  if (spec.dataset_id) {
    rows.push(['dataset', <a href={`/experiments/${encodeURIComponent(experimentId)}/datasets/${encodeURIComponent(spec.dataset_id)}`}
                               onClick={linkClick} class="mono">{spec.dataset_id}</a>]);
  }
  if (spec.traces) {
    rows.push(['traces', <span class="mono">{spec.traces.filter || '(every trace)'}{spec.traces.max_results ? `, at most ${spec.traces.max_results}` : ''}</span>]);
  }
  if (spec.agent?.url) {
    // Headers are never stored (they may hold credentials); the URL is shown as text.
    rows.push(['agent', <span><span class="mono">{spec.agent.url}</span>
      <span class="muted"> ({spec.agent.kind || 'chat'}{spec.agent.model ? `, model ${spec.agent.model}` : ''})</span></span>]);
  }
  if (spec.scorers) rows.push(['scorers', spec.scorers.map(scorerLabel).join(', ')]);
  if (spec.judge_model) rows.push(['judge model', <span class="mono">{spec.judge_model}</span>]);
  if (spec.concurrency) rows.push(['concurrency', String(spec.concurrency)]);
  return (
    <dl class="ev-spec">
      {rows.map(([k, v]) => <div key={k} class="ev-spec-row"><dt>{k}</dt><dd data-spec={k}>{v}</dd></div>)}
    </dl>
  );
}

function FeedbackCell({ list, open, onToggle }: { list: RecordFeedback[]; open: boolean; onToggle: () => void }) {
  if (list.length === 0) return <td class="ev-fb muted">—</td>;
  const text = list.map((f) => [f.rationale, f.error ? `error: ${f.error}` : ''].filter(Boolean).join('\n')).join('\n');
  return (
    <td class={open ? 'ev-fb open' : 'ev-fb'} title={text || undefined}>
      {list.map((f, i) => (
        <div key={i} class="ev-fb-one">
          <VerdictBadge verdict={f.verdict} value={f.value} />
          {f.error && <span class="ev-err" data-error>{f.error}</span>}
          {f.rationale && <span class="ev-rat" data-rationale>{f.rationale}</span>}
        </div>
      ))}
      {text.length > 80 && <button class="link small ev-more" onClick={onToggle}>{open ? 'less' : 'more'}</button>}
    </td>
  );
}

function matches(r: EvalRecord, verdict: string, scorer: string): boolean {
  if (!verdict) return true;
  return r.feedback.some((f) => (!scorer || f.name === scorer) && f.verdict === verdict);
}

export function EvaluationRunPage({ experimentId, runId, query }: { experimentId: string; runId: string; query: URLSearchParams }) {
  const [exp, setExp] = useState<Experiment | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [status, setStatus] = useState<EvalStatus | null>(null);
  const [records, setRecords] = useState<EvalRecord[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [previews, setPreviews] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState('');
  const [cancelling, setCancelling] = useState(false);
  const [shown, setShown] = useState(PAGE);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const verdict = VERDICTS.includes(query.get('verdict') as typeof VERDICTS[number]) ? query.get('verdict')! : '';
  const scorer = query.get('scorer') ?? '';
  const here = `/experiments/${encodeURIComponent(experimentId)}/evaluations/${encodeURIComponent(runId)}`;
  const listHref = `/experiments/${encodeURIComponent(experimentId)}/evaluations`;

  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch(() => undefined);
  }, [experimentId]);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const [r, s, recs] = await Promise.all([getRun(runId, signal), getEvaluation(runId, signal),
                                              getEvaluationRecords(runId, signal)]);
      setRun(r);
      setStatus(s);
      setRecords(recs.records);
      setTruncated(recs.truncated);
      setError('');
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  }, [runId]);

  useEffect(() => {
    const ctl = new AbortController();
    setRecords(null);
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const st = status?.status ?? run?.info.status ?? '';
  const inFlight = isActive(st) && !!status?.progress && !status.progress.finished;
  useEffect(() => {
    if (!inFlight) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [inFlight, load]);

  // The records' questions, from their traces' request previews (a convenience; not blocking).
  const recordCount = records?.length ?? 0;
  useEffect(() => {
    if (!recordCount || inFlight) return;
    const ctl = new AbortController();
    runTracePreviews(experimentId, runId, 5000, ctl.signal).then(setPreviews).catch(() => undefined);
    return () => ctl.abort();
  }, [experimentId, runId, recordCount, inFlight]);

  useEffect(() => { setShown(PAGE); }, [verdict, scorer]);

  const scorerNames = useMemo(() => {
    const names: string[] = [];
    for (const s of status?.scorers ?? []) if (!names.includes(s.name)) names.push(s.name);
    for (const r of records ?? []) for (const f of r.feedback) if (!names.includes(f.name)) names.push(f.name);
    return names;
  }, [status, records]);

  const serverSummaries = status?.scorers ?? [];
  const partial = serverSummaries.length === 0;
  const summaries = partial ? summariesFromRecords(records ?? []) : serverSummaries;
  const filtered = useMemo(() => (records ?? []).filter((r) => matches(r, verdict, scorer)), [records, verdict, scorer]);

  const setFilter = (patch: { verdict?: string; scorer?: string }) => {
    const next = { verdict, scorer, ...patch };
    navigate(withQuery(here, { verdict: next.verdict || undefined, scorer: next.verdict ? next.scorer || undefined : undefined }));
  };
  const cancel = async () => {
    setCancelling(true);
    try {
      await cancelEvaluation(runId);
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setCancelling(false);
    }
  };
  const toggle = (k: string) => setOpen((o) => {
    const n = new Set(o);
    if (n.has(k)) n.delete(k); else n.add(k);
    return n;
  });

  const name = run?.info.run_name || status?.run_name || runId;
  const spec = run ? runSpec(run) : status?.spec;
  const started = run?.info.start_time;
  const end = run?.info.end_time ?? (isActive(st) ? Date.now() : undefined);

  return (
    <div class="ev-run">
      <div class="page-head">
        <h1>
          <a href="/" onClick={linkClick} class="crumb">Experiments</a> / <a href={listHref} onClick={linkClick} class="crumb">{exp?.name ?? experimentId}</a>
          {' / '}<span data-run-name>{name}</span>
        </h1>
        {st && <StatusBadge status={st} />}
        <ExperimentNav experimentId={experimentId} current="evaluations" />
      </div>
      {error && <div class="error banner">{error}</div>}
      {!run && !error && <div class="loading">Loading…</div>}
      {run && (
        <>
          <div class="ev-head">
            <div class="ev-panel">
              <h4>Run</h4>
              <dl class="ev-spec">
                <dt>run id</dt><dd class="mono">{runId}</dd>
                <dt>started</dt><dd>{started ? formatTime(new Date(started).toISOString()) : '—'}</dd>
                <dt>duration</dt><dd>{started && end ? formatDuration(end - started) : '—'}</dd>
                <dt>records</dt><dd data-records-scored>{formatInt(records?.length)}{truncated ? '+' : ''}</dd>
              </dl>
              {status?.progress && (isActive(st) || st === 'KILLED' || status.progress.failed > 0) && <ProgressBar progress={status.progress} />}
              {isActive(st) && !status?.progress && (
                <div class="notice banner small">Marked running, but no evaluation is in progress on this server (it was
                  interrupted). Continue it with <code>tracelake eval run --run-id {runId}</code>.</div>
              )}
              {inFlight && (
                <button class="ev-cancel" onClick={cancel} disabled={cancelling}>{cancelling ? 'Cancelling…' : 'Cancel'}</button>
              )}
              {status?.error && <div class="error small" data-run-error>{status.error}</div>}
            </div>
            <div class="ev-panel">
              <h4>Spec</h4>
              <SpecView spec={spec} experimentId={experimentId} />
            </div>
          </div>
          <h3 class="ev-h">Aggregates</h3>
          <Aggregates summaries={summaries} partial={partial && isActive(st)} />
          <div class="ev-filter">
            <h3 class="ev-h">Records</h3>
            <label>verdict
              <select name="verdict" value={verdict} onChange={(e) => setFilter({ verdict: (e.target as HTMLSelectElement).value })}>
                <option value="">any</option>
                {VERDICTS.map((v) => <option key={v} value={v}>{v}</option>)}
              </select>
            </label>
            <label>from
              <select name="scorer" value={scorer} disabled={!verdict}
                      onChange={(e) => setFilter({ scorer: (e.target as HTMLSelectElement).value })}>
                <option value="">any scorer</option>
                {scorerNames.map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
            </label>
            <span class="muted small" data-shown-count>
              {records ? (verdict ? `${filtered.length} of ${records.length} records` : `${records.length} records`) : ''}
            </span>
            {verdict && <button class="link" onClick={() => setFilter({ verdict: '', scorer: '' })}>clear</button>}
          </div>
          {truncated && (
            <div class="notice banner small" data-truncated>The server lists only the first {formatInt(records?.length)} records
              of this run; the aggregates above count them all. Use <code>tracelake eval records {runId}</code> for every record.</div>
          )}
          {records === null && <div class="loading">Loading records…</div>}
          {records && records.length === 0 && <div class="empty">No record scored yet.</div>}
          {records && records.length > 0 && (
            <div class="table-wrap ev-records-wrap">
              <table class="ev-records">
                <thead>
                  <tr>
                    <th class="ev-key-col">Record</th>
                    {scorerNames.map((n) => <th key={n}>{n}</th>)}
                    <th class="ev-trace-col">Trace</th>
                  </tr>
                </thead>
                <tbody>
                  {filtered.slice(0, shown).map((r) => (
                    <tr key={r.record_key} data-record-key={r.record_key}>
                      <td class="ev-key">
                        <div class="mono small">{r.record_key}</div>
                        {previews.get(r.trace_id) && <div class="ev-input" data-input>{previews.get(r.trace_id)}</div>}
                      </td>
                      {scorerNames.map((n) => {
                        const k = `${r.record_key}\u0000${n}`;
                        return <FeedbackCell key={n} list={r.feedback.filter((f) => f.name === n)} open={open.has(k)} onToggle={() => toggle(k)} />;
                      })}
                      <td class="ev-trace">
                        {r.trace_id ? <a href={traceHref(experimentId, r.trace_id)} onClick={linkClick} data-trace-link class="mono small" title={r.trace_id}>{r.trace_id}</a> : '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {filtered.length === 0 && <div class="empty">No record matches.</div>}
            </div>
          )}
          {filtered.length > shown && (
            <button class="ev-show-more" onClick={() => setShown((n) => n + PAGE)}>
              Show {Math.min(PAGE, filtered.length - shown)} more ({filtered.length - shown} left)
            </button>
          )}
        </>
      )}
    </div>
  );
}
