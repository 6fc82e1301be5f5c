// One evaluation dataset: its records page by page (inputs, expectations, outputs, tags,
// source with a link to the trace), add a record, edit a record's inputs and expectations in
// place, delete records. Record content is agent data: rendered as text through JsonView.
// Edits keep the user's text on any error (invalid JSON, a refused request).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type Experiment, getExperiment } from '../api';
import { type Dataset, datasetRecordCount, type DatasetRecord, datasetTags, deleteRecords, editRecord,
         getDataset, getRecords, parseJsonField, recordTraceId, upsertRecords } from '../datasets_api';
import { formatInt, formatRelative, formatTime } from '../format';
import { linkClick } from '../router';
import { errorText } from './DatasetsPage';
import { ExperimentNav, experimentPath } from './ExperimentNav';
import { JsonView } from './JsonView';

const PAGE_SIZES = [25, 50, 100, 200];

function isoOf(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}

function pretty(v: unknown): string {
  return v === undefined ? '' : JSON.stringify(v, null, 2);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && Object.keys(v as object).length === 0);
}

// Two JSON text areas (inputs, expectations) with their errors; used to add and to edit.
function RecordForm({ initialInputs, initialExpectations, submitLabel, note, onSubmit, onCancel, name }: {
  initialInputs: string;
  initialExpectations: string;
  submitLabel: string;
  note?: string;
  name: string;
  onSubmit: (inputs: Record<string, unknown>, expectations: Record<string, unknown>) => Promise<void>;
  onCancel: () => void;
}) {
  const [inputs, setInputs] = useState(initialInputs);
  const [expectations, setExpectations] = useState(initialExpectations);
  const [inputsError, setInputsError] = useState('');
  const [expError, setExpError] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    const i = parseJsonField(inputs, 'Inputs', { object: true, required: true });
    const x = parseJsonField(expectations, 'Expectations', { object: true, required: false });
    setInputsError(i.ok ? '' : i.error);
    setExpError(x.ok ? '' : x.error);
    if (!i.ok || !x.ok) return;
    setBusy(true);
    try {
      await onSubmit(i.value as Record<string, unknown>, (x.value ?? {}) as Record<string, unknown>);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="record-form" data-form={name} onSubmit={submit}
          onKeyDown={(e) => { if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void submit(e); }}>
      <div class="row-fields">
        <label class="field">Inputs (JSON object, required)
          <textarea name="record-inputs" class="mono" rows={6} spellcheck={false} value={inputs}
                    aria-invalid={inputsError ? true : undefined}
                    onInput={(e) => { setInputs((e.target as HTMLTextAreaElement).value); setInputsError(''); }} />
          {inputsError && <span class="error field-error" role="alert" data-error="inputs">{inputsError}</span>}
        </label>
        <label class="field">Expectations (JSON object, e.g. {'{"expected_response": "..."}'})
          <textarea name="record-expectations" class="mono" rows={6} spellcheck={false} value={expectations}
                    aria-invalid={expError ? true : undefined}
                    onInput={(e) => { setExpectations((e.target as HTMLTextAreaElement).value); setExpError(''); }} />
          {expError && <span class="error field-error" role="alert" data-error="expectations">{expError}</span>}
        </label>
      </div>
      {note && <div class="muted small">{note}</div>}
      {error && <div class="error banner" role="alert" data-error="save">{error}</div>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Saving…' : submitLabel}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
        <span class="muted small">Ctrl+Enter saves</span>
      </div>
    </form>
  );
}

function SourceCell({ r, experimentId }: { r: DatasetRecord; experimentId: string }) {
  const type = r.source?.source_type ?? r.source_type;
  const traceId = recordTraceId(r);
  const session = r.source?.source_data?.session_id;
  if (!type) return <span class="muted">—</span>;
  return (
    <div class="rec-source">
      <span class={`badge src src-${type.replace(/[^A-Z_]/g, '')}`}>{type}</span>
      {traceId && (
        <a class="mono" data-trace-link={traceId} onClick={linkClick}
           href={`${experimentPath(experimentId)}/traces/${encodeURIComponent(traceId)}`}>{traceId}</a>
      )}
      {typeof session === 'string' && session && <div class="muted small">session {session}</div>}
      {!traceId && r.source_id && <div class="mono small">{r.source_id}</div>}
    </div>
  );
}

export function DatasetPage({ experimentId, datasetId }: { experimentId: string; datasetId: string }) {
  const [exp, setExp] = useState<Experiment | null>(null);
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [records, setRecords] = useState<DatasetRecord[]>([]);
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(50);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState('');
  const [confirming, setConfirming] = useState('');
  const [rowError, setRowError] = useState<{ id: string; message: string } | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch(() => undefined);
  }, [experimentId]);
  useEffect(() => {
    getDataset(datasetId).then((d) => { setDataset(d); }).catch((e) => setError(errorText(e)));
  }, [datasetId, reload]);

  const load = useCallback(async (signal?: AbortSignal) => {
    setLoading(true);
    try {
      const r = await getRecords(datasetId, size, tokens[page], signal);
      setRecords(r.records);
      setTokens((t) => {
        const next = t.slice(0, page + 1);
        next[page + 1] = r.next_page_token;
        return next;
      });
      setError('');
      // A page emptied by deletes: step back.
      if (r.records.length === 0 && page > 0) setPage(page - 1);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [datasetId, size, page, tokens[page], reload]);

  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const refresh = () => setReload((n) => n + 1);

  const addRecord = async (inputs: Record<string, unknown>, expectations: Record<string, unknown>) => {
    const rec: { inputs: Record<string, unknown>; expectations?: Record<string, unknown>; source: { source_type: string; source_data: Record<string, never> } } =
      { inputs, source: { source_type: 'HUMAN', source_data: {} } };
    if (!isEmpty(expectations)) rec.expectations = expectations;
    const c = await upsertRecords(datasetId, [rec]);
    setAdding(false);
    setNotice(c.updated_count > 0
      ? 'A record with these inputs already exists: the expectations were merged into it.'
      : 'Record added.');
    refresh();
  };

  const saveEdit = (r: DatasetRecord) => async (inputs: Record<string, unknown>, expectations: Record<string, unknown>) => {
    await editRecord(datasetId, r, inputs, expectations);
    setEditing('');
    setNotice('Record updated.');
    refresh();
  };

  const remove = async (r: DatasetRecord) => {
    setRowError(null);
    try {
      await deleteRecords(datasetId, [r.dataset_record_id]);
      setConfirming('');
      setNotice('Record deleted.');
      refresh();
    } catch (e) {
      setRowError({ id: r.dataset_record_id, message: errorText(e) });
    }
  };

  const count = dataset ? datasetRecordCount(dataset) : undefined;
  const tags = dataset ? Object.entries(datasetTags(dataset)).filter(([k]) => !k.startsWith('mlflow.')) : [];
  const first = page * size;

  return (
    <div class="dataset-page" data-dataset-id={datasetId}>
      <div class="page-head">
        <h1><a href="/" onClick={linkClick} class="crumb">Experiments</a>
          {' / '}<a href={experimentPath(experimentId)} onClick={linkClick} class="crumb">{exp?.name ?? experimentId}</a>
          {' / '}<a href={experimentPath(experimentId, 'datasets')} onClick={linkClick} class="crumb">Datasets</a>
          {' / '}<span data-dataset-name>{dataset?.name ?? datasetId}</span></h1>
        <ExperimentNav experimentId={experimentId} current="datasets" />
      </div>
      <div class="ds-meta">
        <span class="mono">{datasetId}</span>
        <span data-record-count={count ?? ''}>{count === undefined ? '' : `${formatInt(count)} ${count === 1 ? 'record' : 'records'}`}</span>
        {dataset?.last_update_time && (
          <span title={formatTime(isoOf(dataset.last_update_time))}>updated {formatRelative(isoOf(dataset.last_update_time))}
            {dataset.last_updated_by && ` by ${dataset.last_updated_by}`}</span>
        )}
        {dataset?.created_time && <span class="muted" title={formatTime(isoOf(dataset.created_time))}>created {formatTime(isoOf(dataset.created_time))}</span>}
        {tags.length > 0 && <span class="chips">{tags.map(([k, v]) => <span key={k} class="chip">{k}: {v}</span>)}</span>}
        <span class="grow" />
        <button onClick={refresh} disabled={loading}>Refresh</button>
        <button class="primary" data-action="add-record" onClick={() => { setAdding(true); setNotice(''); }} disabled={adding}>+ Add record</button>
      </div>
      {adding && (
        <div class="panel add-record">
          <h3>New record</h3>
          <RecordForm name="add" initialInputs={'{\n  "question": ""\n}'} initialExpectations={'{\n  "expected_response": ""\n}'}
                      submitLabel="Add record" onSubmit={addRecord} onCancel={() => setAdding(false)}
                      note="A record with the same inputs as an existing one is merged into it (expectations merged key by key)." />
        </div>
      )}
      {notice && <div class="notice banner" role="status" data-notice>{notice} <button class="link" onClick={() => setNotice('')}>dismiss</button></div>}
      {error && <div class="error banner" role="alert">{error}</div>}
      <div class="table-wrap">
        <table class="records" aria-busy={loading}>
          <thead>
            <tr><th class="num">#</th><th>Inputs</th><th>Expectations</th><th>Outputs</th><th>Source</th><th>Tags</th><th>Updated</th><th /></tr>
          </thead>
          <tbody>
            {records.map((r, i) => {
              const id = r.dataset_record_id;
              const rowTags = Object.entries(r.tags ?? {}).filter(([k]) => !k.startsWith('mlflow.'));
              if (editing === id) {
                return (
                  <tr key={id} data-record-id={id} class="editing">
                    <td class="num muted">{first + i + 1}</td>
                    <td colSpan={7}>
                      <RecordForm name="edit" initialInputs={pretty(r.inputs ?? {})} initialExpectations={pretty(r.expectations ?? {})}
                                  submitLabel="Save" onSubmit={saveEdit(r)} onCancel={() => setEditing('')}
                                  note="Records are keyed by their inputs: changing the inputs replaces the record (new id), and removing an expectation re-creates it. Outputs, tags and source are kept." />
                    </td>
                  </tr>
                );
              }
              return (
                <tr key={id} data-record-id={id}>
                  <td class="num muted">{first + i + 1}</td>
                  <td class="rec-inputs"><JsonView value={r.inputs ?? {}} openDepth={2} /></td>
                  <td class="rec-expectations">{isEmpty(r.expectations) ? <span class="muted">—</span> : <JsonView value={r.expectations} openDepth={2} />}</td>
                  <td class="rec-outputs">{r.outputs === undefined ? <span class="muted">—</span> : <JsonView value={r.outputs} openDepth={1} />}</td>
                  <td><SourceCell r={r} experimentId={experimentId} /></td>
                  <td><span class="chips">{rowTags.map(([k, v]) => <span key={k} class="chip" title={`${k}: ${v}`}>{k}: {v}</span>)}</span></td>
                  <td title={formatTime(isoOf(r.last_update_time))}>{formatRelative(isoOf(r.last_update_time)) || '—'}
                    <div class="mono muted small" title="record id">{id}</div></td>
                  <td class="row-actions">
                    {confirming === id ? (
                      <span class="confirm" role="group" aria-label="Confirm deleting the record">
                        Delete this record?{' '}
                        <button class="danger" data-action="confirm-delete" onClick={() => remove(r)}>Delete</button>{' '}
                        <button data-action="cancel-delete" onClick={() => setConfirming('')}>Cancel</button>
                      </span>
                    ) : (
                      <>
                        <button class="link" data-action="edit" onClick={() => { setEditing(id); setConfirming(''); setNotice(''); }}>Edit</button>
                        <button class="link danger" data-action="delete" onClick={() => { setConfirming(id); setRowError(null); }}>Delete</button>
                      </>
                    )}
                    {rowError?.id === id && <div class="error small" role="alert">{rowError.message}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {!loading && records.length === 0 && !error && (
          <div class="empty">No records yet. Add one with “+ Add record”, or select traces in the{' '}
            <a href={experimentPath(experimentId)} onClick={linkClick}>traces list</a> and use “Add to dataset”.</div>
        )}
        {loading && records.length === 0 && <div class="loading">Loading…</div>}
      </div>
      <div class="pager">
        <button onClick={() => setPage(page - 1)} disabled={page === 0 || loading} aria-label="Previous page">‹ Prev</button>
        <span class="page-no">Page {page + 1}{records.length > 0 && ` · records ${formatInt(first + 1)}–${formatInt(first + records.length)}`}
          {count !== undefined && ` of ${formatInt(count)}`}</span>
        <button onClick={() => setPage(page + 1)} disabled={!tokens[page + 1] || loading} aria-label="Next page">Next ›</button>
        <label>Per page
          <select name="size" value={String(size)} onChange={(e) => { setSize(Number((e.target as HTMLSelectElement).value)); setTokens([undefined]); setPage(0); }}>
            {PAGE_SIZES.map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select></label>
      </div>
    </div>
  );
}
