// An experiment's evaluation datasets: list (name, id, records, tags, times), find, create,
// delete with an inline confirmation. Also the "Add to dataset" panel the traces list uses:
// pick a dataset of the experiment or name a new one, and turn the selected traces into records.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Experiment, getExperiment } from '../api';
import { addTracesToDataset, createDataset, type Dataset, datasetRecordCount, datasetTags, deleteDataset,
         type FromTracesCounts, searchDatasets } from '../datasets_api';
import { formatInt, formatRelative, formatTime } from '../format';
import { isTyping, useKeys } from '../keys';
import { linkClick, navigate } from '../router';
import { ExperimentNav, experimentPath } from './ExperimentNav';

export function errorText(e: unknown): string {
  return e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error)?.message ?? String(e);
}

export function datasetPath(experimentId: string, datasetId: string): string {
  return `${experimentPath(experimentId, 'datasets')}/${encodeURIComponent(datasetId)}`;
}

function isoOf(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

export function DatasetsPage({ experimentId }: { experimentId: string }) {
  const [exp, setExp] = useState<Experiment | null>(null);
  const [list, setList] = useState<Dataset[] | null>(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState('');
  const [creating, setCreating] = useState(false);
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const [confirming, setConfirming] = useState('');
  const [deleteError, setDeleteError] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      setList(await searchDatasets(experimentId));
      setError('');
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch(() => undefined);
    void load();
  }, [experimentId]);

  const shown = (list ?? []).filter((d) => !q || d.name.toLowerCase().includes(q.toLowerCase()) || d.dataset_id.includes(q));

  const create = async (e: Event) => {
    e.preventDefault();
    setCreateError('');
    const n = name.trim();
    if (!n) { setCreateError('Enter a name for the dataset.'); return; }
    setCreating(true);
    try {
      const d = await createDataset(n, experimentId);
      navigate(datasetPath(experimentId, d.dataset_id));
    } catch (err) {
      setCreateError(errorText(err));
    } finally {
      setCreating(false);
    }
  };

  const remove = async (d: Dataset) => {
    setBusy(true);
    setDeleteError('');
    try {
      await deleteDataset(d.dataset_id);
      setConfirming('');
      setList((l) => (l ?? []).filter((x) => x.dataset_id !== d.dataset_id));
    } catch (e) {
      setDeleteError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  useKeys((e) => {
    if (e.key === '/' && !isTyping(e)) {
      e.preventDefault();
      (document.querySelector('input[name=dataset-search]') as HTMLInputElement | null)?.focus();
    } else if (e.key === 'Escape') {
      if (isTyping(e)) (e.target as HTMLElement).blur();
      setConfirming('');
    } else if (isTyping(e) || (e.target as HTMLElement | null)?.tagName === 'BUTTON') {
      return;
    } else if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      setSel(Math.min(shown.length - 1, sel + 1));
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      setSel(Math.max(0, sel - 1));
    } else if ((e.key === 'Enter' || e.key === 'o') && shown[sel]) {
      navigate(datasetPath(experimentId, shown[sel].dataset_id));
    }
  });

  return (
    <div class="datasets-page">
      <div class="page-head">
        <h1><a href="/" onClick={linkClick} class="crumb">Experiments</a> / <a href={experimentPath(experimentId)} onClick={linkClick}
           class="crumb" data-experiment-name>{exp?.name ?? experimentId}</a> / Datasets</h1>
        <ExperimentNav experimentId={experimentId} current="datasets" />
      </div>
      <div class="exp-tools">
        <input name="dataset-search" type="search" placeholder="Find dataset  ( / )" value={q}
               onInput={(e) => { setQ((e.target as HTMLInputElement).value); setSel(0); }} />
        <form class="create" onSubmit={create}>
          <input name="dataset-name" placeholder="New dataset name" value={name} maxLength={500}
                 onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary" disabled={creating}>Create dataset</button>
        </form>
      </div>
      {createError && <div class="error banner" role="alert" data-error="create">{createError}</div>}
      {error && <div class="error banner" role="alert">{error}</div>}
      {deleteError && <div class="error banner" role="alert" data-error="delete">{deleteError}</div>}
      {list === null && !error && <div class="loading">Loading…</div>}
      {list && shown.length > 0 && (
        <div class="table-wrap">
          <table class="datasets">
            <thead><tr><th>Name</th><th>ID</th><th class="num">Records</th><th>Tags</th><th>Created</th><th>Last updated</th><th /></tr></thead>
            <tbody>
              {shown.map((d, i) => {
                const href = datasetPath(experimentId, d.dataset_id);
                const count = datasetRecordCount(d);
                const tags = Object.entries(datasetTags(d)).filter(([k]) => !k.startsWith('mlflow.'));
                return (
                  <tr key={d.dataset_id} data-dataset-id={d.dataset_id} class={i === sel ? 'sel' : ''}
                      onClick={(e) => { if (!(e.target as HTMLElement).closest('button, a, .confirm')) navigate(href); }}>
                    <td class="ds-name"><a href={href} onClick={linkClick}>{d.name}</a></td>
                    <td class="mono">{d.dataset_id}</td>
                    <td class="num" data-records={count ?? ''}>{count === undefined ? '—' : formatInt(count)}</td>
                    <td><span class="chips">{tags.slice(0, 4).map(([k, v]) => <span key={k} class="chip" title={`${k}: ${v}`}>{k}: {v}</span>)}
                      {tags.length > 4 && <span class="muted small">+{tags.length - 4}</span>}</span></td>
                    <td title={formatTime(isoOf(d.created_time))}>{formatRelative(isoOf(d.created_time)) || '—'}</td>
                    <td title={formatTime(isoOf(d.last_update_time))}>{formatRelative(isoOf(d.last_update_time)) || '—'}
                      {d.last_updated_by && <span class="muted small"> by {d.last_updated_by}</span>}</td>
                    <td class="row-actions">
                      {confirming === d.dataset_id ? (
                        <span class="confirm" role="group" aria-label={`Confirm deleting ${d.name}`}>
                          Delete “{d.name}”{count ? ` and its ${plural(count, 'record')}` : ''}?{' '}
                          <button class="danger" data-action="confirm-delete" disabled={busy} onClick={() => remove(d)}>Delete</button>{' '}
                          <button data-action="cancel-delete" onClick={() => setConfirming('')}>Cancel</button>
                        </span>
                      ) : (
                        <button class="link danger" data-action="delete" aria-label={`Delete dataset ${d.name}`}
                                onClick={() => { setDeleteError(''); setConfirming(d.dataset_id); }}>Delete</button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {list && shown.length === 0 && (
        <div class="empty">
          {q ? 'No datasets match.' : <>No datasets in this experiment yet. Create one above, or select traces in
            the <a href={experimentPath(experimentId)} onClick={linkClick}>traces list</a> and use “Add to dataset”.</>}
        </div>
      )}
    </div>
  );
}

const NEW = '+new';  // dataset ids start with d-

// The traces list's "Add to dataset": choose a dataset of the experiment or create one, then
// records from the selected traces (root span inputs and outputs, expectation assessments).
export function AddToDatasetPanel({ experimentId, traceIds, onDone, onClose }: {
  experimentId: string;
  traceIds: string[];
  onDone: (result: { dataset: Dataset; counts: FromTracesCounts }) => void;
  onClose: () => void;
}) {
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [choice, setChoice] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);

  useEffect(() => { if (choice === NEW) nameInput.current?.focus(); }, [choice]);
  useEffect(() => {
    searchDatasets(experimentId).then((l) => {
      setDatasets(l);
      setChoice((c) => c || (l[0]?.dataset_id ?? NEW));
    }).catch((e) => { setDatasets([]); setChoice(NEW); setError(`Cannot list datasets: ${errorText(e)}`); });
  }, [experimentId]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (traceIds.length === 0) { setError('Select traces first.'); return; }
    if (traceIds.length > 1000) { setError('At most 1,000 traces at a time.'); return; }
    let dataset = datasets?.find((d) => d.dataset_id === choice);
    if (choice === NEW) {
      const n = name.trim();
      if (!n) { setError('Enter a name for the new dataset.'); return; }
      dataset = undefined;
    } else if (!dataset) {
      setError('Choose a dataset.');
      return;
    }
    setBusy(true);
    try {
      if (!dataset) {
        dataset = await createDataset(name.trim(), experimentId);
        // Created: a retry after a failed add goes to it, not to a second new one.
        const made = dataset;
        setDatasets((l) => [made, ...(l ?? [])]);
        setChoice(made.dataset_id);
        setName('');
      }
      const counts = await addTracesToDataset(dataset.dataset_id, traceIds);
      onDone({ dataset, counts });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="add-ds" onSubmit={submit} aria-label="Add the selected traces to a dataset"
          onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); onClose(); } }}>
      <label>Dataset
        <select name="dataset-choice" value={choice} disabled={datasets === null}
                onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
          {datasets === null && <option value="">Loading…</option>}
          {(datasets ?? []).map((d) => (
            <option key={d.dataset_id} value={d.dataset_id}>{d.name} ({formatInt(datasetRecordCount(d))} records)</option>
          ))}
          <option value={NEW}>New dataset…</option>
        </select></label>
      {choice === NEW && (
        <input name="new-dataset-name" placeholder="New dataset name" value={name} maxLength={500}
               onInput={(e) => setName((e.target as HTMLInputElement).value)} ref={nameInput} />
      )}
      <button type="submit" class="primary" disabled={busy || datasets === null}>
        {busy ? 'Adding…' : `Add ${plural(traceIds.length, 'trace')}`}</button>
      <button type="button" onClick={onClose}>Cancel</button>
      {error && <span class="error" role="alert" data-error="add-to-dataset">{error}</span>}
    </form>
  );
}

export function addedText(c: FromTracesCounts): string {
  const parts = [`${plural(c.inserted_count, 'new record')}`];
  if (c.updated_count > 0) parts.push(`${plural(c.updated_count, 'record')} merged (same inputs as an existing one)`);
  return `${plural(c.trace_count, 'trace')} added: ${parts.join(', ')}`;
}
