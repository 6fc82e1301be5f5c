// SQL over the trace tables (docs/sql.md): an editor, the result as a table, and CSV download.
// The query lives in the URL (/sql?q=...) once run, so a query is a link and Back works. Every
// cell is untrusted agent text, rendered as text only (never as HTML) and cut for display; the
// CSV holds it whole.
import { useEffect, useRef, useState } from 'preact/hooks';
import { navigate, withQuery } from '../router';
import { cellText, runSql, type SqlCell, type SqlResult, toCsv } from '../sql_api';
import { errorText } from './DatasetsPage';
import { formatInt } from '../format';

export const SQL_EXAMPLES: { label: string; query: string }[] = [
  { label: 'Newest traces',
    query: 'SELECT trace_id, experiment_id, request_time, name, state, execution_duration_ms, total_tokens, cost\nFROM traces\nORDER BY request_time_ms DESC\nLIMIT 50' },
  { label: 'Slowest tool by model',
    query: "SELECT json_extract(attributes, '$.\"gen_ai.request.model\"') AS model,\n       name AS tool,\n       count(*) AS calls,\n       max((end_time_unix_nano - start_time_unix_nano) / 1e6) AS max_ms\nFROM otel_spans\nGROUP BY model, tool\nORDER BY max_ms DESC\nLIMIT 20" },
  { label: 'Errors by span name',
    query: "SELECT name, count(*) AS errors\nFROM otel_spans\nWHERE json_extract(status, '$.code') = 'STATUS_CODE_ERROR'\nGROUP BY name\nORDER BY errors DESC" },
  { label: 'Tokens and cost per user',
    query: 'SELECT user, count(*) AS traces, sum(total_tokens) AS tokens, round(sum(cost), 4) AS cost_usd\nFROM traces\nGROUP BY user\nORDER BY cost_usd DESC' },
  { label: 'Failing judge verdicts',
    query: "SELECT target_id AS trace_id, name, value, comment, source_id\nFROM otel_annotations\nWHERE annotation_type = 'FEEDBACK' AND value IN ('false', '\"no\"')\nLIMIT 100" },
];

const SHOW_ROWS = 1000;  // rows drawn in the table; the CSV has all of them
const CELL_CHARS = 300;  // characters of a cell shown before it is cut (the title has the rest)

function Cell({ v }: { v: SqlCell }) {
  if (v === null || v === undefined) return <td class="muted sql-null">NULL</td>;
  const s = cellText(v);
  const cut = s.length > CELL_CHARS ? `${s.slice(0, CELL_CHARS)}…` : s;
  return <td class={typeof v === 'number' ? 'num' : undefined} title={cut !== s ? s.slice(0, 5000) : undefined}>{cut}</td>;
}

export function SqlPage({ query }: { query: URLSearchParams }) {
  const initial = query.get('q') ?? SQL_EXAMPLES[0].query;
  const [text, setText] = useState(initial);
  const [maxRows, setMaxRows] = useState(Number(query.get('max_rows')) || 1000);
  const [result, setResult] = useState<SqlResult | null>(null);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);

  const run = async (q: string, rows: number) => {
    if (!q.trim()) { setError('Write a query first, for example one of the examples.'); return; }
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setRunning(true);
    setError('');
    const t0 = performance.now();
    try {
      const r = await runSql(q, rows, ctl.signal);
      if (ctl.signal.aborted) return;
      setResult(r);
      setElapsed(performance.now() - t0);
      navigate(withQuery('/sql', { q, max_rows: rows === 1000 ? undefined : String(rows) }), { replace: true });
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setResult(null);
      setError(errorText(e));
    } finally {
      if (abort.current === ctl) setRunning(false);
    }
  };

  // A query given in the URL runs on arrival (a shared link shows its answer).
  useEffect(() => {
    if (query.get('q')) void run(initial, maxRows);
    editor.current?.focus();
    return () => abort.current?.abort();
  }, []);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run(text, maxRows);
    }
  };

  const download = () => {
    if (!result) return;
    const url = URL.createObjectURL(new Blob([toCsv(result)], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'tracelake-query.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div class="sql-page">
      <div class="page-head">
        <h1>SQL</h1>
        <span class="muted small">
          Read-only SQL over <code>traces</code>, <code>otel_spans</code>, <code>otel_logs</code> and{' '}
          <code>otel_annotations</code> (SQLite dialect; <code>json_extract</code> reads attributes).
        </span>
      </div>
      <label class="sr-only" for="sql-editor">Query</label>
      <textarea id="sql-editor" ref={editor} class="sql-editor" spellcheck={false} rows={8} value={text}
                onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} onKeyDown={onKey}
                aria-describedby="sql-hint" />
      <div class="sql-tools">
        <button class="primary" onClick={() => void run(text, maxRows)} disabled={running} data-action="run">
          {running ? 'Running…' : 'Run'}
        </button>
        <span id="sql-hint" class="muted small">Ctrl+Enter runs</span>
        <label class="small">Max rows{' '}
          <select value={String(maxRows)} onChange={(e) => setMaxRows(Number((e.target as HTMLSelectElement).value))}>
            {[100, 1000, 10000, 100000].map((n) => <option key={n} value={String(n)}>{formatInt(n)}</option>)}
          </select>
        </label>
        <label class="small">Examples{' '}
          <select value="" onChange={(e) => {
            const ex = SQL_EXAMPLES.find((x) => x.label === (e.target as HTMLSelectElement).value);
            if (ex) { setText(ex.query); editor.current?.focus(); }
          }}>
            <option value="">Pick one…</option>
            {SQL_EXAMPLES.map((x) => <option key={x.label} value={x.label}>{x.label}</option>)}
          </select>
        </label>
        <button onClick={download} disabled={!result || result.columns.length === 0} data-action="csv">Download CSV</button>
      </div>
      {error && <div class="error banner" role="alert">{error}</div>}
      {result && (
        <>
          <div class="small muted sql-status" role="status">
            {formatInt(result.rows.length)} {result.rows.length === 1 ? 'row' : 'rows'} in {Math.round(elapsed)} ms
            {result.truncated && <strong class="sql-warn"> · cut at {formatInt(maxRows)} rows: raise Max rows or add LIMIT</strong>}
            {result.rows.length > SHOW_ROWS && <> · showing the first {formatInt(SHOW_ROWS)}; the CSV has all</>}
          </div>
          {result.columns.length > 0 && (
            <div class="table-wrap">
              <table class="sql-result">
                <thead>
                  <tr>{result.columns.map((c, i) => <th key={i} title={c.type}>{c.name}<span class="muted small"> {c.type}</span></th>)}</tr>
                </thead>
                <tbody>
                  {result.rows.slice(0, SHOW_ROWS).map((row, i) => (
                    <tr key={i}>{row.map((v, j) => <Cell key={j} v={v} />)}</tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}
