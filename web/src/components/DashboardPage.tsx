// An experiment's dashboard: trace volume, errors (count, rate, by exception type), latency
// P50/P90/P99 (traces, and the slowest span names), tokens and cost per model, over a chosen
// window and bucket, optionally filtered with the search grammar. All numbers come from the
// public metrics API (docs/metrics.md). Clicking a chart point or a table row opens the traces
// list filtered to that bucket and group. The URL holds the state: range (or start/end),
// bucket, filter.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type Experiment, getExperiment, type MetricSeries, queryMetrics } from '../api';
import { formatCost, formatDuration, formatInt } from '../format';
import { linkClick, navigate, withQuery } from '../router';
import { ExperimentNav } from './ExperimentNav';
import { quote } from '../search';
import { BarChart, type ChartPoint, LineChart } from './Charts';

const RANGES: Record<string, number> = { '1h': 3600e3, '6h': 6 * 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };
const AUTO_BUCKET: Record<string, number> = { '1h': 60e3, '6h': 300e3, '24h': 1800e3, '7d': 4 * 3600e3, '30d': 86400e3 };
const BUCKETS: [string, number][] = [['1 min', 60e3], ['5 min', 300e3], ['15 min', 900e3], ['1 hour', 3600e3], ['4 hours', 4 * 3600e3], ['1 day', 86400e3]];
const MAX_BUCKETS = 2000;

interface Window { start: number; end: number; bucket: number }

export function dashboardWindow(q: URLSearchParams, now: number): Window {
  const start = Number(q.get('start'));
  const end = Number(q.get('end'));
  const range = q.get('range') || '24h';
  let w: Window;
  if (q.get('start') && q.get('end') && Number.isFinite(start) && Number.isFinite(end) && end > start) {
    w = { start, end, bucket: 0 };
  } else {
    // Minute-aligned, so unfiltered dashboards are answered from rollups.
    const e = Math.ceil(now / 60e3) * 60e3;
    w = { start: e - (RANGES[range] ?? RANGES['24h']), end: e, bucket: 0 };
  }
  const asked = Number(q.get('bucket'));
  w.bucket = asked > 0 ? asked : (AUTO_BUCKET[range] ?? 1800e3);
  if (!(q.get('bucket')) && q.get('start')) {
    w.bucket = Math.max(60e3, Math.ceil((w.end - w.start) / 60 / 60e3) * 60e3);
  }
  if ((w.end - w.start) / w.bucket > MAX_BUCKETS) w.bucket = Math.ceil((w.end - w.start) / MAX_BUCKETS / 60e3) * 60e3;
  return w;
}

function and(...parts: (string | undefined)[]): string {
  const p = parts.filter((x): x is string => !!x && x.trim() !== '');
  return p.map((x) => (p.length > 1 && /\bOR\b/i.test(x) ? `(${x})` : x)).join(' AND ');
}

function points(s: MetricSeries | undefined, metric: string): ChartPoint[] {
  return (s?.points ?? []).map((p) => ({ time: p.time_ms, value: p.values[metric] ?? null }));
}

function first(series: MetricSeries[]): MetricSeries | undefined {
  return series[0];
}

interface Data {
  traces: MetricSeries[];
  spans: MetricSeries[];
  errorTypes: MetricSeries[];
  spanNames: MetricSeries[];
  models: MetricSeries[];
  source: string;
}

export function DashboardPage({ experimentId, query }: { experimentId: string; query: URLSearchParams }) {
  const [exp, setExp] = useState<Experiment | null>(null);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const filter = query.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const qs = query.toString();
  const win = useMemo(() => dashboardWindow(query, Date.now()), [qs]);
  const base = `/experiments/${encodeURIComponent(experimentId)}`;
  const here = `${base}/dashboard`;

  useEffect(() => { setDraft(filter); }, [filter]);
  useEffect(() => {
    getExperiment(experimentId).then(setExp).catch(() => undefined);
  }, [experimentId]);

  useEffect(() => {
    const ctl = new AbortController();
    const common = { experiment_ids: [experimentId], start_time_ms: win.start, end_time_ms: win.end, filter: filter || undefined };
    setLoading(true);
    Promise.all([
      queryMetrics({ ...common, bucket_ms: win.bucket, metrics: ['trace_count', 'error_count', 'error_rate', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms'] }, ctl.signal),
      queryMetrics({ ...common, bucket_ms: win.bucket, metrics: ['total_tokens', 'cost_usd'] }, ctl.signal),
      queryMetrics({ ...common, metrics: ['span_error_count'], group_by: ['error_type'] }, ctl.signal),
      queryMetrics({ ...common, metrics: ['span_count', 'span_error_count', 'span_latency_p50_ms', 'span_latency_p99_ms'], group_by: ['span_name'] }, ctl.signal),
      queryMetrics({ ...common, metrics: ['span_count', 'input_tokens', 'output_tokens', 'cached_input_tokens', 'total_tokens', 'cost_usd', 'unpriced_tokens'], group_by: ['model'] }, ctl.signal),
    ]).then(([t, s, e, n, m]) => {
      setData({ traces: t.series, spans: s.series, errorTypes: e.series, spanNames: n.series, models: m.series, source: t.source ?? '' });
      setError('');
    }).catch((e) => {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }).finally(() => setLoading(false));
    return () => ctl.abort();
  }, [experimentId, win.start, win.end, win.bucket, filter]);

  const set = (patch: Record<string, string | undefined>) => {
    const cur: Record<string, string> = {};
    query.forEach((v, k) => { cur[k] = v; });
    navigate(withQuery(here, { ...cur, ...patch }));
  };
  // The traces behind a chart point: this bucket, the dashboard's filter, and the group.
  const drill = (time: number | undefined, extra?: string) => {
    const range = time === undefined
      ? `timestamp_ms >= ${win.start} AND timestamp_ms < ${win.end}`
      : `timestamp_ms >= ${time} AND timestamp_ms < ${time + win.bucket}`;
    navigate(withQuery(base, { filter: and(filter, range, extra) }));
  };
  // A table row that opens its traces, by mouse or by keyboard (Tab to it, Enter).
  const rowLink = (extra?: string) => ({
    tabIndex: 0,
    role: 'link' as const,
    onClick: () => drill(undefined, extra),
    onKeyDown: (e: KeyboardEvent) => { if (e.key === 'Enter') { e.preventDefault(); drill(undefined, extra); } },
  });
  const modelFilter = (model: string) => (model ? `span.model = ${quote(model)}` : undefined);

  const traces = first(data?.traces ?? []);
  const spans = first(data?.spans ?? []);
  const errorTypes = (data?.errorTypes ?? [])
    .map((s) => ({ type: s.group.error_type ?? '', count: s.points[0]?.values.span_error_count ?? 0 }))
    .filter((r) => r.count > 0).sort((a, b) => b.count - a.count);
  const slowest = (data?.spanNames ?? [])
    .map((s) => ({ name: s.group.span_name ?? '', v: s.points[0]?.values ?? {} }))
    .filter((r) => (r.v.span_count ?? 0) > 0)
    .sort((a, b) => (b.v.span_latency_p99_ms ?? 0) - (a.v.span_latency_p99_ms ?? 0)).slice(0, 15);
  const models = (data?.models ?? [])
    .map((s) => ({ model: s.group.model ?? '', v: s.points[0]?.values ?? {} }))
    .filter((r) => (r.v.input_tokens ?? 0) + (r.v.output_tokens ?? 0) + (r.v.total_tokens ?? 0) > 0)
    .sort((a, b) => (b.v.total_tokens ?? 0) - (a.v.total_tokens ?? 0));
  const totals = (traces?.points ?? []).reduce((acc, p) => ({
    count: acc.count + (p.values.trace_count ?? 0), errors: acc.errors + (p.values.error_count ?? 0),
  }), { count: 0, errors: 0 });
  const tokenTotal = (spans?.points ?? []).reduce((a, p) => a + (p.values.total_tokens ?? 0), 0);
  const costTotal = (spans?.points ?? []).reduce((a, p) => a + (p.values.cost_usd ?? 0), 0);
  const unpricedModels = models.filter((m) => m.v.cost_usd === null || (m.v.unpriced_tokens ?? 0) > 0);
  const fmtMs = (v: number) => formatDuration(v);
  const fmtPct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
  const rangeKey = query.get('start') ? '' : (query.get('range') || '24h');

  return (
    <div class="dashboard" aria-busy={loading}>
      <div class="page-head">
        <h1><a href="/" onClick={linkClick} class="crumb">Experiments</a> / <a href={base} onClick={linkClick} class="crumb">{exp?.name ?? experimentId}</a> / Dashboard</h1>
        <ExperimentNav experimentId={experimentId} current="dashboard" />
      </div>
      <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); set({ filter: draft || undefined }); }}>
        <div class="search-row">
          <input class="filter-input mono" name="filter" spellcheck={false} autocomplete="off" value={draft}
                 placeholder={"Filter the whole dashboard, e.g. tags.user = 'bob'"}
                 onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary">Apply</button>
        </div>
        <div class="quick">
          <label>Window
            <select name="range" value={rangeKey} onChange={(e) => set({ range: (e.target as HTMLSelectElement).value, start: undefined, end: undefined, bucket: undefined })}>
              {rangeKey === '' && <option value="">custom</option>}
              {Object.keys(RANGES).map((r) => <option key={r} value={r}>last {r}</option>)}
            </select></label>
          <label>Bucket
            <select name="bucket" value={String(win.bucket)} onChange={(e) => set({ bucket: (e.target as HTMLSelectElement).value })}>
              {!BUCKETS.some(([, ms]) => ms === win.bucket) && <option value={String(win.bucket)}>{formatDuration(win.bucket)}</option>}
              {BUCKETS.map(([label, ms]) => <option key={ms} value={String(ms)}>{label}</option>)}
            </select></label>
          <span class="muted small">{new Date(win.start).toISOString().slice(0, 16).replace('T', ' ')} – {new Date(win.end).toISOString().slice(0, 16).replace('T', ' ')} UTC</span>
          <span class="grow" />
          {data && <span class="muted small" data-source={data.source}>{data.source === 'rollups' ? 'from rollups (percentiles ±1%)' : 'from raw rows (exact)'}</span>}
        </div>
      </form>
      {error && <div class="error banner" role="alert">{error}</div>}
      {data && (
        <div class="panels">
          <section class="panel" data-panel="volume">
            <h3>Trace volume <span class="muted" data-total="trace_count">{formatInt(totals.count)}</span></h3>
            <BarChart name="trace_count" series={points(traces, 'trace_count')} bucketMs={win.bucket} fmt={(v) => formatInt(Math.round(v))} onPick={(t) => drill(t)} />
          </section>
          <section class="panel" data-panel="errors">
            <h3>Errors <span class="muted" data-total="error_count">{formatInt(totals.errors)}</span>
              <span class="muted small"> · rate {totals.count ? fmtPct(totals.errors / totals.count) : '—'}</span></h3>
            <BarChart name="error_count" series={points(traces, 'error_count')} bucketMs={win.bucket} fmt={(v) => formatInt(Math.round(v))} onPick={(t) => drill(t, "status = 'ERROR'")} />
            <BarChart name="error_rate" series={points(traces, 'error_rate')} bucketMs={win.bucket} fmt={fmtPct} onPick={(t) => drill(t, "status = 'ERROR'")} />
            <h4>Failed spans by exception type</h4>
            <table class="metric-table" data-table="error_type">
              <tbody>
                {errorTypes.length === 0 && <tr><td class="muted">No failed spans.</td></tr>}
                {errorTypes.map((r) => (
                  <tr key={r.type} data-group={r.type} {...rowLink(r.type ? `span.error_type = ${quote(r.type)}` : "span.status = 'ERROR'")}>
                    <td>{r.type || <span class="muted">(no exception type)</span>}</td>
                    <td class="num" data-metric="span_error_count" data-value={r.count}>{formatInt(r.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="panel" data-panel="latency">
            <h3>Latency</h3>
            <LineChart name="latency" bucketMs={win.bucket} fmt={fmtMs} onPick={(t) => drill(t)}
                       lines={[{ name: 'p50', color: '#1f6feb', points: points(traces, 'latency_p50_ms') },
                               { name: 'p90', color: '#bf8700', points: points(traces, 'latency_p90_ms') },
                               { name: 'p99', color: '#cf222e', points: points(traces, 'latency_p99_ms') }]} />
            <h4>Slowest components (span names by P99)</h4>
            <table class="metric-table" data-table="span_name">
              <thead><tr><th>Span</th><th class="num">Count</th><th class="num">Errors</th><th class="num">P50</th><th class="num">P99</th></tr></thead>
              <tbody>
                {slowest.map((r) => (
                  <tr key={r.name} data-group={r.name} {...rowLink(`span.name = ${quote(r.name)}`)}>
                    <td class="mono">{r.name}</td>
                    <td class="num" data-metric="span_count" data-value={r.v.span_count ?? ''}>{formatInt(r.v.span_count ?? undefined)}</td>
                    <td class="num" data-metric="span_error_count" data-value={r.v.span_error_count ?? ''}>{formatInt(r.v.span_error_count ?? undefined)}</td>
                    <td class="num" data-metric="span_latency_p50_ms" data-value={r.v.span_latency_p50_ms ?? ''}>{fmtMs(r.v.span_latency_p50_ms ?? 0)}</td>
                    <td class="num" data-metric="span_latency_p99_ms" data-value={r.v.span_latency_p99_ms ?? ''}>{fmtMs(r.v.span_latency_p99_ms ?? 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="panel" data-panel="tokens">
            <h3>Tokens <span class="muted" data-total="total_tokens">{formatInt(tokenTotal)}</span></h3>
            <BarChart name="total_tokens" series={points(spans, 'total_tokens')} bucketMs={win.bucket} fmt={(v) => formatInt(Math.round(v))} onPick={(t) => drill(t)} />
            <table class="metric-table" data-table="model_tokens">
              <thead><tr><th>Model</th><th class="num">Input</th><th class="num">Cached input</th><th class="num">Output</th><th class="num">Total</th></tr></thead>
              <tbody>
                {models.map((r) => (
                  <tr key={r.model} data-group={r.model} {...rowLink(modelFilter(r.model))}>
                    <td class="mono">{r.model || <span class="muted">(no model)</span>}</td>
                    <td class="num" data-metric="input_tokens" data-value={r.v.input_tokens ?? ''}>{formatInt(r.v.input_tokens ?? undefined)}</td>
                    <td class="num" data-metric="cached_input_tokens" data-value={r.v.cached_input_tokens ?? ''}>{formatInt(r.v.cached_input_tokens ?? undefined)}</td>
                    <td class="num" data-metric="output_tokens" data-value={r.v.output_tokens ?? ''}>{formatInt(r.v.output_tokens ?? undefined)}</td>
                    <td class="num" data-metric="total_tokens" data-value={r.v.total_tokens ?? ''}>{formatInt(r.v.total_tokens ?? undefined)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="panel" data-panel="cost">
            <h3>Cost <span class="muted" data-total="cost_usd" data-value={costTotal}>{formatCost(costTotal)}</span>
              {unpricedModels.length > 0 && <span class="muted small"> + unpriced models</span>}</h3>
            <BarChart name="cost_usd" series={points(spans, 'cost_usd')} bucketMs={win.bucket} fmt={formatCost} onPick={(t) => drill(t)} />
            <table class="metric-table" data-table="model_cost">
              <thead><tr><th>Model</th><th class="num">Cost</th><th class="num">Unpriced tokens</th></tr></thead>
              <tbody>
                {models.map((r) => (
                  <tr key={r.model} data-group={r.model} {...rowLink(modelFilter(r.model))}>
                    <td class="mono">{r.model || <span class="muted">(no model)</span>}</td>
                    <td class="num" data-metric="cost_usd" data-value={r.v.cost_usd ?? ''}>{formatCost(r.v.cost_usd)}</td>
                    <td class="num" data-metric="unpriced_tokens" data-value={r.v.unpriced_tokens ?? ''}>{formatInt(r.v.unpriced_tokens ?? undefined)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
      {loading && !data && <div class="loading">Loading…</div>}
    </div>
  );
}
