// Experiments: list, create, open.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, createExperiment, type Experiment, searchExperiments } from '../api';
import { formatRelative } from '../format';
import { isTyping, useKeys } from '../keys';
import { linkClick, navigate } from '../router';

export function ExperimentsPage() {
  const [list, setList] = useState<Experiment[] | null>(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState('');
  const [sel, setSel] = useState(0);
  const [q, setQ] = useState('');

  useEffect(() => {
    searchExperiments().then(setList).catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);

  const shown = (list ?? []).filter((e) => !q || e.name.toLowerCase().includes(q.toLowerCase()));

  const create = async (e: Event) => {
    e.preventDefault();
    setCreateError('');
    const n = name.trim();
    if (!n) { setCreateError('Enter a name'); return; }
    try {
      const id = await createExperiment(n);
      navigate(`/experiments/${encodeURIComponent(id)}`);
    } catch (err) {
      setCreateError(err instanceof ApiError ? err.message : String(err));
    }
  };

  useKeys((e) => {
    if (e.key === '/' && !isTyping(e)) {
      e.preventDefault();
      (document.querySelector('input[name=experiment-search]') as HTMLInputElement | null)?.focus();
    } else if (e.key === 'Escape' && isTyping(e)) {
      (e.target as HTMLElement).blur();
    } else if (isTyping(e)) {
      return;
    } else if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      setSel(Math.min(shown.length - 1, sel + 1));
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      setSel(Math.max(0, sel - 1));
    } else if (e.key === 'Enter' && shown[sel]) {
      navigate(`/experiments/${encodeURIComponent(shown[sel].experiment_id)}`);
    }
  });

  return (
    <div class="experiments-page">
      <div class="page-head"><h1>Experiments</h1></div>
      <div class="exp-tools">
        <input name="experiment-search" type="search" placeholder="Find experiment  ( / )" value={q}
               onInput={(e) => { setQ((e.target as HTMLInputElement).value); setSel(0); }} />
        <form class="create" onSubmit={create}>
          <input name="experiment-name" placeholder="New experiment name" value={name}
                 onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary">Create experiment</button>
        </form>
      </div>
      {createError && <div class="error banner" role="alert">{createError}</div>}
      {error && <div class="error banner" role="alert">{error}</div>}
      {list === null && !error && <div class="loading">Loading…</div>}
      {list && (
        <table class="experiments">
          <thead><tr><th>Name</th><th>ID</th><th>Created</th><th>Last updated</th><th>Tags</th></tr></thead>
          <tbody>
            {shown.map((e, i) => {
              const href = `/experiments/${encodeURIComponent(e.experiment_id)}`;
              return (
                <tr key={e.experiment_id} class={i === sel ? 'sel' : ''} data-experiment-id={e.experiment_id}
                    onClick={() => navigate(href)}>
                  <td><a href={href} onClick={(ev) => { ev.stopPropagation(); linkClick(ev as unknown as MouseEvent); }}>{e.name}</a></td>
                  <td class="mono">{e.experiment_id}</td>
                  <td>{e.creation_time ? formatRelative(new Date(e.creation_time).toISOString()) : '—'}</td>
                  <td>{e.last_update_time ? formatRelative(new Date(e.last_update_time).toISOString()) : '—'}</td>
                  <td><span class="chips">{(e.tags ?? []).filter((t) => !t.key.startsWith('mlflow.')).slice(0, 4)
                    .map((t) => <span key={t.key} class="chip">{t.key}: {t.value}</span>)}</span></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list && shown.length === 0 && <div class="empty">No experiments{q ? ' match' : ''}.</div>}
    </div>
  );
}
