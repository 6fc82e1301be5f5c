// An experiment's traces: search (filter grammar, full text, quick filters), a server-side
// paged and sorted table, live refresh that keeps the user's place, and the trace view on top.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type Experiment, getExperiment, searchTraces, type TraceCost, traceCosts, type TraceInfo } from '../api';
import { costText, formatDuration, formatInt, formatRelative, formatTime, parseDurationMs, shortId, totalTokens, traceTokens } from '../format';
import { isTyping, useKeys } from '../keys';
import { previewText } from '../preview';
import { linkClick, navigate, withQuery } from '../router';
import { ExperimentNav } from './ExperimentNav';
import { buildFilter, DEFAULT_ORDER, explainFilterError, RANGES, readSearch, type SearchState, searchQuery } from '../search';
import { AssessmentBadge } from './Assessments';
import { FilterHelp } from './FilterHelp';
import { TagChips } from './Tags';
import { TraceView } from './TraceView';
import { AddToDatasetPanel, addedText, datasetPath } from './DatasetsPage';
import type { Dataset, FromTracesCounts } from '../datasets_api';

const LIVE_INTERVAL_MS = 5000;

interface FilterError { message: string; offset?: number }

const SORTABLE: Record<string, string> = { time: 'timestamp_ms', duration: 'execution_time_ms', state: 'status', name: 'name' };

function orderParts(order: string): [string, 'ASC' | 'DESC'] {
  const [k, d] = (order || DEFAULT_ORDER).split(/\s+/);
  return [k, d?.toUpperCase() === 'ASC' ? 'ASC' : 'DESC'];
}

function SortHeader({ label, field, order, onSort, lead }: { label: string; field: string; order: string; onSort: (o: string) => void; lead?: ComponentChildren }) {
  const [k, d] = orderParts(order);
  const key = SORTABLE[field];
  const active = k === key;
  const next = active && d === 'DESC' ? `${key} ASC` : `${key} DESC`;
  return (
    <th aria-sort={active ? (d === 'ASC' ? 'ascending' : 'descending') : 'none'}>
      {lead}<button class="sort" onClick={() => onSort(next)} data-sort={field}>
        {label}{active ? (d === 'ASC' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
}

// A keyboard-reachable checkbox that is a button, so j/k keep working after a click (the list's
// shortcuts ignore keys typed into inputs). Enter and Space toggle it; shift-click selects a range.
function Pick({ state, label, onToggle }: { state: boolean | 'mixed'; label: string; onToggle: (shift: boolean) => void }) {
  return (
    <button type="button" role="checkbox" aria-checked={state} aria-label={label} class={`pick${state === true ? ' on' : state ? ' mixed' : ''}`}
            onMouseDown={(e) => { if (e.shiftKey) e.preventDefault(); }}
            onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') e.stopPropagation(); }}
            onClick={(e) => { e.stopPropagation(); onToggle(e.shiftKey); }}>
      <span class="box" aria-hidden="true">{state === true ? '✓' : state ? '–' : ''}</span>
    </button>
  );
}

export function TracesPage({ experimentId, traceId, query }: { experimentId: string; traceId?: string; query: URLSearchParams }) {
  const search = useMemo(() => readSearch(query), [query]);
  const searchKey = JSON.stringify(searchQuery(search));
  const [exp, setExp] = useState<Experiment | null>(null);
  const [traces, setTraces] = useState<TraceInfo[]>([]);
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);  // page i starts at tokens[i]
  const [page, setPage] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>('');
  const [filterError, setFilterError] = useState<FilterError | null>(null);
  const [selectedId, setSelectedId] = useState<string>('');
  const [live, setLive] = useState(true);
  const [newer, setNewer] = useState(false);
  const [draft, setDraft] = useState<SearchState>(search);
  const [help, setHelp] = useState(false);
  const [updatedAt, setUpdatedAt] = useState(0);
  const [costs, setCosts] = useState<Map<string, TraceCost>>(new Map());
  const filterInput = useRef<HTMLInputElement>(null);
  const listTop = useRef<string>('');
  // Traces picked for "Add to dataset": kept across pages and live refreshes, by trace id.
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const pickAnchor = useRef<string>('');
  const [addOpen, setAddOpen] = useState(false);
  const [added, setAdded] = useState<{ dataset: Dataset; counts: FromTracesCounts } | null>(null);
  const pageSize = Number(search.size) || 50;

  useEffect(() => { setDraft(search); }, [searchKey]);
  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
    setPicked(new Set());
    setAddOpen(false);
    setAdded(null);
  }, [experimentId]);

  // A new search starts at page 1.
  useEffect(() => {
    setTokens([undefined]);
    setPage(0);
    setNewer(false);
  }, [experimentId, searchKey]);

  const load = useCallback(async (quiet: boolean, signal?: AbortSignal) => {
    const built = buildFilter(search, Date.now());
    if (!quiet) setLoading(true);
    try {
      const r = await searchTraces({
        experimentId, filter: built.filter, orderBy: [search.order || DEFAULT_ORDER],
        maxResults: pageSize, pageToken: tokens[page],
      }, signal);
      setTraces(r.traces);
      // Cost = tokens x the server's price table; fetched beside the page, never blocking it.
      traceCosts(r.traces.map((t) => t.trace_id), signal).then(setCosts).catch(() => undefined);
      setTokens((t) => {
        const next = t.slice(0, page + 1);
        next[page + 1] = r.next_page_token;
        return next;
      });
      setError('');
      setFilterError(null);
      setUpdatedAt(Date.now());
      if (page === 0) { listTop.current = r.traces[0]?.trace_id ?? ''; setNewer(false); }
      setSelectedId((cur) => (cur && r.traces.some((t) => t.trace_id === cur) ? cur : (quiet ? cur : r.traces[0]?.trace_id ?? '')));
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      if (e instanceof ApiError && e.code === 'INVALID_PARAMETER_VALUE' && (search.filter || search.tag || search.fb || search.q)) {
        setFilterError(explainFilterError(e.message, built, search.filter));
        setTraces([]);
      } else {
        setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
      }
    } finally {
      if (!quiet) setLoading(false);
    }
  }, [experimentId, searchKey, page, tokens[page], pageSize]);

  useEffect(() => {
    const ctl = new AbortController();
    void load(false, ctl.signal);
    return () => ctl.abort();
  }, [load]);

  // Live: page 1 refreshes in place (rows are keyed by trace id, the selection follows its
  // trace); deeper pages only announce that newer traces exist, so the reader keeps their place.
  useEffect(() => {
    if (!live || traceId) return;
    const timer = window.setInterval(async () => {
      if (document.visibilityState !== 'visible') return;
      if (page === 0) {
        await load(true);
      } else {
        try {
          const built = buildFilter(search, Date.now());
          const r = await searchTraces({ experimentId, filter: built.filter, orderBy: [search.order || DEFAULT_ORDER], maxResults: 1 });
          if ((r.traces[0]?.trace_id ?? '') !== listTop.current) setNewer(true);
        } catch { /* shown on the next full load */ }
      }
    }, LIVE_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [live, traceId, page, load]);

  const base = `/experiments/${encodeURIComponent(experimentId)}`;
  const apply = (s: SearchState) => navigate(withQuery(base, searchQuery(s)));
  const setOne = (patch: Partial<SearchState>) => apply({ ...search, ...patch });
  const submit = (e: Event) => { e.preventDefault(); apply(draft); };
  const open = (id: string) => navigate(withQuery(`${base}/traces/${encodeURIComponent(id)}`, searchQuery(search)));
  const close = useCallback(() => navigate(withQuery(base, searchQuery(readSearch(new URLSearchParams(window.location.search)))), {}), [base]);
  const onSpanChange = useCallback((spanId: string) => {
    const q = new URLSearchParams(window.location.search);
    q.set('span', spanId);
    navigate(`${window.location.pathname}?${q.toString()}`, { replace: true });
  }, []);
  const onInfoChange = useCallback((info: TraceInfo) => {
    setTraces((ts) => ts.map((t) => (t.trace_id === info.trace_id ? info : t)));
  }, []);

  // Toggles one trace, or with shift the range from the last toggled one, to the new state.
  const togglePick = (id: string, range: boolean) => {
    const ids = traces.map((t) => t.trace_id);
    const on = !picked.has(id);
    const next = new Set(picked);
    const a = ids.indexOf(pickAnchor.current);
    const b = ids.indexOf(id);
    const span = range && a >= 0 && b >= 0 ? ids.slice(Math.min(a, b), Math.max(a, b) + 1) : [id];
    for (const x of span) { if (on) next.add(x); else next.delete(x); }
    pickAnchor.current = id;
    setPicked(next);
    setAdded(null);
  };
  const pageIds = traces.map((t) => t.trace_id);
  const pickedHere = pageIds.filter((id) => picked.has(id)).length;
  const pickAllState: boolean | 'mixed' = pickedHere === 0 ? false : pickedHere === pageIds.length ? true : 'mixed';
  const togglePage = () => {
    const next = new Set(picked);
    for (const id of pageIds) { if (pickAllState === true) next.delete(id); else next.add(id); }
    setPicked(next);
    setAdded(null);
  };

  useKeys((e) => {
    if (e.key === '/' && !isTyping(e)) {
      e.preventDefault();
      filterInput.current?.focus();
      filterInput.current?.select();
      return;
    }
    if (e.key === 'Escape') {
      if (isTyping(e)) (e.target as HTMLElement).blur();
      setHelp(false);
      return;
    }
    if (isTyping(e)) return;
    const i = traces.findIndex((t) => t.trace_id === selectedId);
    if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      const t = traces[Math.min(traces.length - 1, i + 1)];
      if (t) setSelectedId(t.trace_id);
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      const t = traces[Math.max(0, i - 1)];
      if (t) setSelectedId(t.trace_id);
    } else if ((e.key === 'x' || e.key === 'X') && selectedId) {
      e.preventDefault();
      togglePick(selectedId, e.shiftKey);
    } else if ((e.key === 'Enter' || e.key === 'o') && selectedId) {
      e.preventDefault();
      open(selectedId);
    } else if (e.key === 'n' || e.key === 'ArrowRight') {
      if (tokens[page + 1]) setPage(page + 1);
    } else if (e.key === 'p' || e.key === 'ArrowLeft') {
      if (page > 0) setPage(page - 1);
    }
  }, !traceId);

  useEffect(() => {
    if (!selectedId) return;
    document.querySelector(`tr[data-trace-id="${CSS.escape(selectedId)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const quickCount = [search.q, search.state, search.range, search.mindur, search.tag, search.fb].filter(Boolean).length;

  return (
    <div class="traces-page">
      <div class="page-head">
        <h1><a href="/" onClick={linkClick} class="crumb">Experiments</a> / <span data-experiment-name>{exp?.name ?? experimentId}</span></h1>
        <span class="muted">experiment {experimentId}</span>
        <ExperimentNav experimentId={experimentId} current="traces" />
      </div>
      <form class="search" onSubmit={submit} role="search">
        <div class="search-row">
          <input ref={filterInput} class="filter-input mono" name="filter" spellcheck={false} autocomplete="off"
                 placeholder={"Filter, e.g. status = 'ERROR' AND execution_time_ms > 1000   ( / )"}
                 value={draft.filter} onInput={(e) => setDraft({ ...draft, filter: (e.target as HTMLInputElement).value })}
                 aria-invalid={filterError ? true : undefined} />
          <input class="text-input" name="q" type="search" placeholder="Search text in inputs and outputs"
                 value={draft.q} onInput={(e) => setDraft({ ...draft, q: (e.target as HTMLInputElement).value })} />
          <button type="submit" class="primary">Search</button>
          <button type="button" onClick={() => setHelp(!help)} aria-expanded={help}>Filter help</button>
          {(search.filter || quickCount > 0) && (
            <button type="button" class="link" onClick={() => apply({ ...search, filter: '', q: '', state: '', range: '', mindur: '', tag: '', fb: '' })}>Clear</button>
          )}
        </div>
        {filterError && (
          <div class="filter-error" role="alert">
            <div><b>Invalid filter.</b> {filterError.message}</div>
            {filterError.offset !== undefined && (
              <pre class="caret mono">{search.filter.trim()}{'\n'}{' '.repeat(filterError.offset)}^</pre>
            )}
          </div>
        )}
        {help && <FilterHelp onPick={(f) => { setDraft({ ...draft, filter: f }); filterInput.current?.focus(); }} />}
        <div class="quick">
          <label>State
            <select name="state" value={search.state} onChange={(e) => setOne({ state: (e.target as HTMLSelectElement).value })}>
              <option value="">any</option><option value="OK">OK</option><option value="ERROR">ERROR</option><option value="IN_PROGRESS">IN_PROGRESS</option>
            </select></label>
          <label>Time
            <select name="range" value={search.range} onChange={(e) => setOne({ range: (e.target as HTMLSelectElement).value })}>
              <option value="">all time</option>
              {Object.keys(RANGES).map((r) => <option key={r} value={r}>last {r}</option>)}
            </select></label>
          <label>Duration
            <select name="mindur" value={search.mindur} onChange={(e) => setOne({ mindur: (e.target as HTMLSelectElement).value })}>
              <option value="">any</option>
              {[100, 1000, 5000, 10000, 30000].map((ms) => <option key={ms} value={String(ms)}>≥ {formatDuration(ms)}</option>)}
            </select></label>
          <label>Tag
            <input name="tag" placeholder="key or key=value" value={draft.tag}
                   onInput={(e) => setDraft({ ...draft, tag: (e.target as HTMLInputElement).value })}
                   onBlur={() => draft.tag !== search.tag && apply(draft)} /></label>
          <label>Has feedback
            <input name="fb" placeholder="name or name=value" value={draft.fb}
                   onInput={(e) => setDraft({ ...draft, fb: (e.target as HTMLInputElement).value })}
                   onBlur={() => draft.fb !== search.fb && apply(draft)} /></label>
          <label title="Traces of the judges' own calls (one per LLM verdict), hidden by default">
            <input type="checkbox" name="judges" checked={search.judges === '1'}
                   onChange={() => setOne({ judges: search.judges === '1' ? '' : '1' })} /> Judge calls</label>
          <span class="grow" />
          <label class="live"><input type="checkbox" name="live" checked={live} onChange={() => setLive(!live)} /> Live</label>
          {updatedAt > 0 && <span class="muted small">updated {formatTime(new Date(updatedAt).toISOString()).slice(11)}</span>}
        </div>
      </form>
      {error && <div class="error banner" role="alert">{error}</div>}
      {newer && (
        <div class="notice banner">
          Newer traces have arrived. <button class="link" onClick={() => setPage(0)}>Go to the newest</button>
        </div>
      )}
      {(picked.size > 0 || added) && (
        <div class="pick-bar" role="region" aria-label="Selected traces">
          {picked.size > 0 && (
            <>
              <b data-picked-count={picked.size}>{picked.size} {picked.size === 1 ? 'trace' : 'traces'} selected</b>
              {picked.size > pickedHere && <span class="muted">({picked.size - pickedHere} on other pages)</span>}
              {!addOpen && <button class="primary" data-action="add-to-dataset" onClick={() => { setAddOpen(true); setAdded(null); }}>Add to dataset…</button>}
              <button class="link" onClick={() => { setPicked(new Set()); setAddOpen(false); }}>Clear selection</button>
            </>
          )}
          {addOpen && picked.size > 0 && (
            <AddToDatasetPanel experimentId={experimentId} traceIds={[...picked]} onClose={() => setAddOpen(false)}
                               onDone={(r) => { setAdded(r); setAddOpen(false); setPicked(new Set()); }} />
          )}
          {added && (
            <span class="added" role="status" data-added={added.dataset.dataset_id}>
              {addedText(added.counts)} in{' '}
              <a href={datasetPath(experimentId, added.dataset.dataset_id)} onClick={linkClick}>{added.dataset.name}</a>.
              <button class="link" aria-label="Dismiss" onClick={() => setAdded(null)}>✕</button>
            </span>
          )}
        </div>
      )}
      <div class="table-wrap">
        <table class="traces" aria-busy={loading}>
          <thead>
            <tr>
              <SortHeader label="State" field="state" order={search.order} onSort={(o) => setOne({ order: o })}
                          lead={pageIds.length > 0 && <Pick state={pickAllState} label="Select all traces on this page" onToggle={togglePage} />} />
              <SortHeader label="Trace" field="name" order={search.order} onSort={(o) => setOne({ order: o })} />
              <th>Request</th>
              <th>Response</th>
              <SortHeader label="Time" field="time" order={search.order} onSort={(o) => setOne({ order: o })} />
              <SortHeader label="Duration" field="duration" order={search.order} onSort={(o) => setOne({ order: o })} />
              <th class="num">Tokens</th>
              <th class="num">Cost</th>
              <th>Tags</th>
              <th>Assessments</th>
            </tr>
          </thead>
          <tbody>
            {traces.map((t) => {
              const usage = traceTokens(t);
              const name = t.tags?.['mlflow.traceName'] ?? t.trace_metadata?.['mlflow.traceName'] ?? '';
              return (
                <tr key={t.trace_id} data-trace-id={t.trace_id} class={t.trace_id === selectedId ? 'sel' : ''}
                    onClick={() => { setSelectedId(t.trace_id); open(t.trace_id); }}>
                  <td><Pick state={picked.has(t.trace_id)} label={`Select trace ${t.trace_id}`} onToggle={(shift) => togglePick(t.trace_id, shift)} />
                    <span class={`state s-${t.state}`}>{t.state}</span>
                    {t.trace_metadata?.['tracelake.fragmented'] === 'true' && <span class="badge frag" title="root span missing">fragment</span>}</td>
                  <td class="trace-cell">{name && <div class="nm">{name}</div>}<div class="mono muted small">{shortId(t.trace_id)}</div></td>
                  <td class="preview" title={t.request_preview}><div class="clamp">{previewText(t.request_preview, 'user')}</div></td>
                  <td class="preview" title={t.response_preview}><div class="clamp">{previewText(t.response_preview, 'assistant')}</div></td>
                  <td class="time" title={formatTime(t.request_time)}>{formatTime(t.request_time)}<div class="muted small">{formatRelative(t.request_time)}</div></td>
                  <td class="num">{formatDuration(parseDurationMs(t.execution_duration))}</td>
                  <td class="num" title={usage ? `${formatInt(usage.input_tokens)} in / ${formatInt(usage.output_tokens)} out` : 'not reported'}>{formatInt(totalTokens(usage))}</td>
                  <td class="num" data-cost={costs.get(t.trace_id)?.cost_usd ?? ''}
                      title={costs.get(t.trace_id)?.models.map((m) => `${m.model || '(no model)'}: ${m.cost_usd === null ? 'unpriced' : '$' + m.cost_usd}`).join('\n') || 'no token usage'}>
                    {costText(costs.get(t.trace_id))}</td>
                  <td><TagChips tags={t.tags} /></td>
                  <td class="assess-cell">{(t.assessments ?? []).slice(0, 3).map((a) => <AssessmentBadge key={a.assessment_id} a={a} />)}
                    {(t.assessments?.length ?? 0) > 3 && <span class="muted">+{t.assessments!.length - 3}</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {!loading && traces.length === 0 && !filterError && !error && (
          <div class="empty">No traces{search.filter || quickCount ? ' match this search' : ' yet'}.
            {!search.filter && !quickCount && <> Point an OTLP exporter at <code>/v1/traces</code> with header <code>x-mlflow-experiment-id: {experimentId}</code>.</>}
          </div>
        )}
        {loading && traces.length === 0 && <div class="loading">Loading…</div>}
      </div>
      <div class="pager">
        <button onClick={() => setPage(page - 1)} disabled={page === 0 || loading} aria-label="Previous page">‹ Prev</button>
        <span class="page-no">Page {page + 1}</span>
        <button onClick={() => setPage(page + 1)} disabled={!tokens[page + 1] || loading} aria-label="Next page">Next ›</button>
        <label>Per page
          <select name="size" value={String(pageSize)} onChange={(e) => setOne({ size: (e.target as HTMLSelectElement).value })}>
            {[25, 50, 100, 200].map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select></label>
        <span class="grow" />
        <span class="muted small">j/k move · x select · Enter open · / search · n/p page · Esc close</span>
      </div>
      {traceId && (
        <div class="overlay" onClick={(e) => { if (e.target === e.currentTarget) close(); }}>
          <TraceView key={traceId} traceId={traceId} initialSpan={query.get('span') ?? undefined}
                     onClose={close} onSpanChange={onSpanChange} onInfoChange={onInfoChange} />
        </div>
      )}
    </div>
  );
}
