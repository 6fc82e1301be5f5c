// Two evaluation runs, record by record (GET /api/2.0/tracelake/evaluations/compare): per scorer
// the pass rates of A and B, the transitions, McNemar's exact test on the discordant pairs said
// in words, and the records that changed verdict with links to both traces. The runs are in the
// URL (`a`, `b`).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Experiment, getExperiment } from '../api';
import { changeWords, type CompareAnswer, compareEvaluations, formatP, getRun, percent, type Run,
         runTracePreviews, type ScorerComparison } from '../evaluations_api';
import { formatTime } from '../format';
import { linkClick, navigate, withQuery } from '../router';
import { ExperimentNav } from './ExperimentNav';
import { traceHref, VerdictBadge } from './EvaluationRunPage';

function RunLabel({ run, id, which, base }: { run?: Run; id: string; which: 'A' | 'B'; base: string }) {
  return (
    <div class="ev-cmp-run" data-run={which}>
      <span class="ev-ab">{which}</span>
      <a href={`${base}/${encodeURIComponent(id)}`} onClick={linkClick}>{run?.info.run_name || id}</a>
      <span class="muted small mono">{id}</span>
      {run?.info.start_time && <span class="muted small">{formatTime(new Date(run.info.start_time).toISOString())}</span>}
    </div>
  );
}

function ScorerBlock({ c, experimentId, previews }: { c: ScorerComparison; experimentId: string; previews: Map<string, string> }) {
  const words = changeWords(c);
  const tone = c.significant ? (c.yes_to_no > c.no_to_yes ? 'worse' : 'better') : 'same';
  return (
    <section class="ev-cmp-scorer" data-scorer={c.name}>
      <div class="ev-cmp-title">
        <h3>{c.name}</h3>
        <span class="ev-rates" data-rates>
          pass rate A <b data-rate-a>{percent(c.pass_rate_a)}</b> → B <b data-rate-b>{percent(c.pass_rate_b)}</b>
        </span>
        <span class={`ev-verdict-words ${tone}`} data-significance={c.significant ? 'significant' : 'not-significant'}>{words}</span>
      </div>
      <table class="ev-trans">
        <thead>
          <tr>
            <th class="num">both yes</th><th class="num">both no</th><th class="num">yes → no</th><th class="num">no → yes</th>
            <th class="num">with unknown</th><th class="num">only in A</th><th class="num">only in B</th><th class="num">p-value</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td class="num" data-k="both_yes">{c.both_yes}</td>
            <td class="num" data-k="both_no">{c.both_no}</td>
            <td class="num" data-k="yes_to_no">{c.yes_to_no}</td>
            <td class="num" data-k="no_to_yes">{c.no_to_yes}</td>
            <td class="num" data-k="with_unknown">{c.with_unknown}</td>
            <td class="num" data-k="only_in_a">{c.only_in_a}</td>
            <td class="num" data-k="only_in_b">{c.only_in_b}</td>
            <td class="num" data-k="p_value">{formatP(c.p_value)}</td>
          </tr>
        </tbody>
      </table>
      {c.changed.length === 0 ? <div class="muted small ev-nochange">No record changed verdict.</div> : (
        <table class="ev-changed">
          <thead>
            <tr><th>Record that changed</th><th>A</th><th>B</th><th>Trace A</th><th>Trace B</th></tr>
          </thead>
          <tbody>
            {c.changed.map((r) => (
              <tr key={r.record_key} data-record-key={r.record_key}>
                <td class="ev-key">
                  <div class="mono small">{r.record_key}</div>
                  {(previews.get(r.trace_a) || previews.get(r.trace_b)) &&
                    <div class="ev-input" data-input>{previews.get(r.trace_a) || previews.get(r.trace_b)}</div>}
                </td>
                <td><VerdictBadge verdict={r.verdict_a} /></td>
                <td><VerdictBadge verdict={r.verdict_b} /></td>
                <td>{r.trace_a ? <a class="mono small" data-trace="a" href={traceHref(experimentId, r.trace_a)} onClick={linkClick}>{r.trace_a}</a> : '—'}</td>
                <td>{r.trace_b ? <a class="mono small" data-trace="b" href={traceHref(experimentId, r.trace_b)} onClick={linkClick}>{r.trace_b}</a> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function EvaluationComparePage({ experimentId, query }: { experimentId: string; query: URLSearchParams }) {
  const a = query.get('a') ?? '';
  const b = query.get('b') ?? '';
  const [exp, setExp] = useState<Experiment | null>(null);
  const [runs, setRuns] = useState<{ a?: Run; b?: Run }>({});
  const [cmp, setCmp] = useState<CompareAnswer | null>(null);
  const [error, setError] = useState('');
  const [previews, setPreviews] = useState<Map<string, string>>(new Map());
  const base = `/experiments/${encodeURIComponent(experimentId)}/evaluations`;

  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch(() => undefined);
  }, [experimentId]);

  useEffect(() => {
    if (!a || !b) return;
    const ctl = new AbortController();
    setCmp(null);
    setError('');
    Promise.all([getRun(a, ctl.signal).catch(() => undefined), getRun(b, ctl.signal).catch(() => undefined)])
      .then(([ra, rb]) => setRuns({ a: ra, b: rb }));
    // The records' questions, from their traces' request previews (a convenience; not blocking).
    Promise.all([runTracePreviews(experimentId, a, 5000, ctl.signal), runTracePreviews(experimentId, b, 5000, ctl.signal)])
      .then(([pa, pb]) => setPreviews(new Map([...pa, ...pb]))).catch(() => undefined);
    compareEvaluations(a, b, ctl.signal).then(setCmp).catch((e) => {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    });
    return () => ctl.abort();
  }, [experimentId, a, b]);

  return (
    <div class="ev-compare">
      <div class="page-head">
        <h1>
          <a href="/" onClick={linkClick} class="crumb">Experiments</a> / <a href={base} onClick={linkClick} class="crumb">{exp?.name ?? experimentId}</a> / Compare
        </h1>
        <ExperimentNav experimentId={experimentId} current="evaluations" />
      </div>
      {(!a || !b) && <div class="empty">Pick two runs on the <a href={base} onClick={linkClick}>evaluations page</a> to compare them.</div>}
      {a && b && (
        <div class="ev-cmp-runs">
          <RunLabel run={runs.a} id={a} which="A" base={base} />
          <RunLabel run={runs.b} id={b} which="B" base={base} />
          <button class="small" onClick={() => navigate(withQuery(`${base}/compare`, { a: b, b: a }))}>swap A and B</button>
        </div>
      )}
      {error && <div class="error banner">{error}</div>}
      {a && b && !cmp && !error && <div class="loading">Comparing…</div>}
      {cmp && (
        <>
          <div class="muted small ev-test">
            Records are paired by their dataset record (or scored trace). Test: {cmp.test ?? 'McNemar exact, two-sided, alpha 0.05'},
            on the records with a yes/no verdict in both runs; records with an unknown verdict in either are counted apart.
          </div>
          {cmp.scorers.length === 0 && <div class="empty">The two runs have no scorer in common.</div>}
          {cmp.scorers.map((c) => <ScorerBlock key={c.name} c={c} experimentId={experimentId} previews={previews} />)}
        </>
      )}
    </div>
  );
}
