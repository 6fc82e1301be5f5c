// An experiment's evaluation runs: the MLflow runs the evaluation service tagged `tracelake.eval`
// and those mlflow.genai.evaluate made (no spec; their metrics are `<name>/mean`). Name, status
// (with progress while running, refreshed), start time and each scorer's pass rate; two selected
// runs open the compare view.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, type Experiment, getExperiment } from '../api';
import { type EvalStatus, getEvaluation, isActive, isGenaiEvaluate, percent, type Run, runSpec, scorerLabel,
         searchEvaluationRuns, summariesFromMetrics } from '../evaluations_api';
import { formatDuration, formatTime } from '../format';
import { linkClick, navigate, withQuery } from '../router';
import { ExperimentNav } from './ExperimentNav';
import { OnlineScorers } from './OnlineScorers';
import { ProgressBar, StatusBadge } from './EvaluationRunPage';

const REFRESH_MS = 2000;

export function EvaluationsPage({ experimentId }: { experimentId: string }) {
  const [exp, setExp] = useState<Experiment | null>(null);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [live, setLive] = useState<Map<string, EvalStatus>>(new Map());
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const base = `/experiments/${encodeURIComponent(experimentId)}/evaluations`;

  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch(() => undefined);
  }, [experimentId]);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const list = await searchEvaluationRuns(experimentId, signal);
      setRuns(list);
      setError('');
      // Progress of the runs in flight.
      const active = list.filter((r) => isActive(r.info.status));
      const got = await Promise.all(active.map((r) => getEvaluation(r.info.run_id, signal).catch(() => null)));
      const m = new Map<string, EvalStatus>();
      got.forEach((s) => { if (s) m.set(s.run_id, s); });
      setLive(m);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  }, [experimentId]);

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  // Refresh while some run is in flight on this server (a RUNNING run without progress was left
  // behind by an earlier server process: nothing will change it).
  const inFlight = (runs ?? []).some((r) => isActive(r.info.status) && live.get(r.info.run_id)?.progress);
  useEffect(() => {
    if (!inFlight) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [inFlight, load]);

  const toggle = (id: string) => setSelected((s) => {
    if (s.includes(id)) return s.filter((x) => x !== id);
    return [...s, id].slice(-2);
  });
  const compare = () => {
    if (selected.length !== 2) return;
    // A is the older run, B the newer: "B is worse" reads as a regression.
    const order = (runs ?? []).filter((r) => selected.includes(r.info.run_id))
      .sort((x, y) => (x.info.start_time ?? 0) - (y.info.start_time ?? 0)).map((r) => r.info.run_id);
    navigate(withQuery(`${base}/compare`, { a: order[0], b: order[1] }));
  };

  return (
    <div class="evals">
      <div class="page-head">
        <h1><a href="/" onClick={linkClick} class="crumb">Experiments</a> / <span data-experiment-name>{exp?.name ?? experimentId}</span> / Evaluations</h1>
        <ExperimentNav experimentId={experimentId} current="evaluations" />
      </div>
      <div class="ev-tools">
        <button class="primary" data-compare disabled={selected.length !== 2} onClick={compare}>
          Compare {selected.length === 2 ? 'the two selected' : '(select two runs)'}
        </button>
        <span class="muted small">Start runs with <code>tracelake eval run</code> or <code>POST /api/2.0/tracelake/evaluations</code>.</span>
      </div>
      <OnlineScorers experimentId={experimentId} />
      <h2 class="ev-runs-title">Evaluation runs</h2>
      {error && <div class="error banner">{error}</div>}
      {runs === null && !error && <div class="loading">Loading…</div>}
      {runs && runs.length === 0 && <div class="empty">No evaluation runs in this experiment yet.</div>}
      {runs && runs.length > 0 && (
        <div class="table-wrap">
          <table class="ev-runs">
            <thead>
              <tr>
                <th aria-label="Select" />
                <th>Run</th>
                <th>Status</th>
                <th>Started</th>
                <th>Duration</th>
                <th>Source</th>
                <th>Pass rate per scorer (95% interval)</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.info.run_id} run={r} status={live.get(r.info.run_id)} base={base}
                        checked={selected.includes(r.info.run_id)} onToggle={() => toggle(r.info.run_id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RunRow({ run, status, base, checked, onToggle }: {
  run: Run; status?: EvalStatus; base: string; checked: boolean; onToggle: () => void;
}) {
  const id = run.info.run_id;
  const spec = runSpec(run);
  const href = `${base}/${encodeURIComponent(id)}`;
  const summaries = summariesFromMetrics(run);
  const st = status?.status ?? run.info.status;
  const end = run.info.end_time ?? (isActive(st) ? Date.now() : undefined);
  const started = run.info.start_time ? new Date(run.info.start_time).toISOString() : undefined;
  return (
    <tr data-run-id={id} class={checked ? 'sel' : undefined} onClick={(e) => {
      if ((e.target as HTMLElement).closest('a, input, button')) return;
      navigate(href);
    }}>
      <td><input type="checkbox" aria-label={`Select run ${run.info.run_name || id}`} checked={checked} onChange={onToggle} /></td>
      <td class="ev-run-name">
        <a href={href} onClick={linkClick}>{run.info.run_name || id}</a>
        <div class="muted small mono">{id}</div>
      </td>
      <td>
        <StatusBadge status={st} />
        {isActive(st) && status?.progress && <ProgressBar progress={status.progress} compact />}
        {isActive(st) && !status?.progress && <div class="muted small">not running on this server</div>}
      </td>
      <td class="time">{formatTime(started)}</td>
      <td class="num">{run.info.start_time && end ? formatDuration(end - run.info.start_time) : '—'}</td>
      <td class="ev-src small">
        <div class="ev-src-what" title={spec?.dataset_id ?? spec?.traces?.filter}>
          {spec?.dataset_id ? <>dataset <span class="mono">{spec.dataset_id}</span></> :
           spec?.traces ? <>traces <span class="mono">{spec.traces.filter || '(all)'}</span></> :
           isGenaiEvaluate(run) ? <span class="muted">mlflow.genai.evaluate</span> : '—'}
        </div>
        {spec?.scorers && <div class="muted">{spec.scorers.map(scorerLabel).join(', ')}</div>}
      </td>
      <td><div class="ev-sum">
        {summaries.length === 0 && <span class="muted">{isActive(st) ? 'when finished' : '—'}</span>}
        {summaries.map((s) => (
          <span key={s.name} class="ev-chip" data-scorer={s.name}
                title={`${s.name}: ${s.yes} yes, ${s.no} no, ${s.unknown} unknown`}>
            <b>{s.name}</b> {s.pass_rate === null ? (s.mean !== undefined ? `mean ${s.mean.toFixed(3)}` : 'no verdicts')
              : `${percent(s.pass_rate, 0)} [${percent(s.ci_low, 0)}–${percent(s.ci_high, 0)}]`}
            {s.unknown > 0 && <span class="ev-unk"> · {s.unknown} unknown</span>}
          </span>
        ))}
      </div></td>
    </tr>
  );
}
