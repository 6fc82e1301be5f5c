// The experiment's registered judges and whether they score its live traces (MLflow's
// "production monitoring"): sample rate and filter per judge, saved with MLflow's online-config
// REST; what the server's worker did (traces scored, verdicts, paused by a spend cap, the last
// error such as a missing API key); and a form to register a built-in judge.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { BUILTIN_JUDGES, getOnlineConfigs, judgeKind, listScorers, type OnlineConfig, type OnlineExperimentStatus,
         onlineScoringStatus, putOnlineConfig, registerBuiltinJudge, type RegisteredScorer } from '../evaluations_api';
import { formatInt } from '../format';

const REFRESH_MS = 3000;

function errorText(e: unknown): string {
  return e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
}

function ScorerRow({ experimentId, scorer, config, onSaved }: {
  experimentId: string; scorer: RegisteredScorer; config?: OnlineConfig; onSaved: () => void;
}) {
  const rate = config?.sample_rate ?? 0;
  const [percent, setPercent] = useState(String(Math.round(rate * 1000) / 10));
  const [filter, setFilter] = useState(config?.filter_string ?? '');
  const [error, setError] = useState('');
  useEffect(() => {
    setPercent(String(Math.round(rate * 1000) / 10));
    setFilter(config?.filter_string ?? '');
  }, [rate, config?.filter_string]);
  const save = async (p: number) => {
    setError('');
    if (!Number.isFinite(p) || p < 0 || p > 100) {
      setError('The sample rate is a percentage from 0 to 100.');
      return;
    }
    try {
      await putOnlineConfig(experimentId, scorer.scorer_name, p / 100, filter);
      onSaved();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <tr data-scorer={scorer.scorer_name}>
      <td><b>{scorer.scorer_name}</b> <span class="muted small">v{scorer.scorer_version}</span></td>
      <td class="small">{judgeKind(scorer.serialized_scorer)}</td>
      <td><span class={`ev-v ${rate > 0 ? 'ev-v-yes' : 'ev-v-unknown'}`} data-online={rate > 0 ? 'on' : 'off'}>{rate > 0 ? 'on' : 'off'}</span></td>
      <td>
        <form class="ev-online-form" onSubmit={(e) => { e.preventDefault(); void save(Number(percent)); }}>
          <label class="small">sample <input name="sample-percent" type="number" min="0" max="100" step="any" value={percent}
                 onInput={(e) => setPercent((e.target as HTMLInputElement).value)} />%</label>
          <input name="online-filter" class="mono" placeholder="filter (optional), e.g. status = 'OK'" value={filter}
                 onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          <button type="submit" data-action="save-online">Save</button>
          {rate > 0 && <button type="button" data-action="stop-online" onClick={() => { setPercent('0'); void save(0); }}>Stop</button>}
        </form>
        {error && <div class="error small" role="alert">{error}</div>}
      </td>
    </tr>
  );
}

export function OnlineScorers({ experimentId }: { experimentId: string }) {
  const [scorers, setScorers] = useState<RegisteredScorer[] | null>(null);
  const [configs, setConfigs] = useState<Map<string, OnlineConfig>>(new Map());
  const [status, setStatus] = useState<OnlineExperimentStatus | undefined>();
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [cls, setCls] = useState('Safety');
  const [guidelines, setGuidelines] = useState('');
  const [addError, setAddError] = useState('');

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const list = await listScorers(experimentId, signal);
      const cfg = await getOnlineConfigs(list.map((s) => s.scorer_id), signal);
      setScorers(list);
      setConfigs(new Map(cfg.map((c) => [c.scorer_id, c])));
      setStatus(await onlineScoringStatus(experimentId, signal));
      setError('');
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setError(errorText(e));
    }
  }, [experimentId]);

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const active = [...configs.values()].some((c) => c.sample_rate > 0);
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [active, load]);

  const register = async (e: Event) => {
    e.preventDefault();
    setAddError('');
    const n = name.trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(n)) {
      setAddError('A name is letters, digits, "_", "-" or "." (it becomes the feedback\u2019s name).');
      return;
    }
    const g = guidelines.split('\n').map((x) => x.trim()).filter(Boolean);
    if (cls === 'Guidelines' && g.length === 0) {
      setAddError('A Guidelines judge needs at least one guideline (one per line).');
      return;
    }
    try {
      await registerBuiltinJudge(experimentId, n, cls, cls === 'Guidelines' ? g : []);
      setAdding(false);
      setName('');
      setGuidelines('');
      await load();
    } catch (err) {
      setAddError(errorText(err));
    }
  };

  return (
    <section class="ev-online" aria-label="Online scoring">
      <div class="ev-online-head">
        <h2>Judges on live traces</h2>
        <span class="muted small">Registered judges score a sample of this experiment's new traces; verdicts land on the traces as feedback.</span>
        <span class="grow" />
        {!adding && <button data-action="add-judge" onClick={() => setAdding(true)}>+ Register a judge</button>}
      </div>
      {error && <div class="error banner">{error}</div>}
      {status && (
        <div class="ev-online-status small" data-online-status>
          <span data-traces-scored={status.traces_scored}>{formatInt(status.traces_scored)} {status.traces_scored === 1 ? 'trace' : 'traces'} scored</span>
          {' · '}<span>{formatInt(status.verdicts)} {status.verdicts === 1 ? 'verdict' : 'verdicts'}</span>
          {' · '}<span>today {formatInt(status.spend.tokens)} judge tokens{status.spend.usd > 0 ? `, $${status.spend.usd.toPrecision(2)}` : ''}</span>
          {status.paused && <div class="notice banner" data-paused>Paused: {status.pause_reason}</div>}
          {status.last_error && <div class="error" data-online-error>{status.last_error}</div>}
        </div>
      )}
      {adding && (
        <form class="ev-add-judge" onSubmit={register}>
          <label>Name <input name="judge-name" value={name} placeholder="e.g. safety"
                 onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <label>Judge <select name="judge-class" value={cls} onChange={(e) => setCls((e.target as HTMLSelectElement).value)}>
            {BUILTIN_JUDGES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select></label>
          {cls === 'Guidelines' && (
            <label>Guidelines, one per line
              <textarea name="judge-guidelines" rows={3} value={guidelines}
                        onInput={(e) => setGuidelines((e.target as HTMLTextAreaElement).value)} /></label>
          )}
          <button type="submit" class="primary">Register</button>
          <button type="button" onClick={() => { setAdding(false); setAddError(''); }}>Cancel</button>
          {addError && <div class="error small" role="alert" data-error="add-judge">{addError}</div>}
        </form>
      )}
      {scorers && scorers.length === 0 && !adding && <p class="muted small">No judges registered in this experiment.</p>}
      {scorers && scorers.length > 0 && (
        <table class="ev-online-table">
          <thead><tr><th>Judge</th><th>Kind</th><th>Live</th><th>Sampling</th></tr></thead>
          <tbody>
            {scorers.map((s) => (
              <ScorerRow key={s.scorer_id} experimentId={experimentId} scorer={s} config={configs.get(s.scorer_id)}
                         onSaved={() => void load()} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
