// One trace: header (state, time, duration, tokens, cost, tags, assessments), the span tree
// and waterfall side by side, and the selected span's detail. Esc closes it.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type Assessment, getTrace, getTraceInfo, type TraceCost, traceCosts, type TraceInfo } from '../api';
import { costText, formatCost, formatDuration, formatInt, formatTime, parseDurationMs, totalTokens, traceTokens } from '../format';
import { isTyping, useKeys } from '../keys';
import { ancestors, buildTree, type Span, type SpanTree, visibleRows } from '../spans';
import { AssessmentBadge, AssessmentList } from './Assessments';
import { type DetailTab, SpanDetail } from './SpanDetail';
import { TagEditor } from './Tags';
import { Waterfall } from './Waterfall';

export function TraceView({ traceId, initialSpan, onClose, onSpanChange, onInfoChange }: {
  traceId: string;
  initialSpan?: string;
  onClose: () => void;
  onSpanChange: (spanId: string) => void;
  onInfoChange?: (info: TraceInfo) => void;
}) {
  const [info, setInfo] = useState<TraceInfo | null>(null);
  const [tree, setTree] = useState<SpanTree | null>(null);
  const [error, setError] = useState<string>('');
  const [selectedId, setSelectedId] = useState<string>(initialSpan ?? '');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [tab, setTab] = useState<DetailTab>('io');
  const [find, setFind] = useState('');
  const [findPos, setFindPos] = useState(-1);
  const findInput = useRef<HTMLInputElement>(null);
  const [loadMs, setLoadMs] = useState<number | null>(null);
  const [cost, setCost] = useState<TraceCost | undefined>(undefined);

  useEffect(() => {
    const ctl = new AbortController();
    setCost(undefined);
    traceCosts([traceId], ctl.signal).then((m) => setCost(m.get(traceId))).catch(() => undefined);
    return () => ctl.abort();
  }, [traceId]);

  useEffect(() => {
    const ctl = new AbortController();
    const t0 = performance.now();
    setInfo(null);
    setTree(null);
    setError('');
    getTrace(traceId, ctl.signal).then(({ info, spans }) => {
      const t = buildTree(spans);
      // Huge traces open with deep levels collapsed below the first 2 levels, so the first
      // paint is cheap and the outline readable.
      const initialCollapsed = new Set<string>();
      if (t.spans.length > 2000) {
        for (const s of t.spans) if (s.depth >= 1 && s.children.length > 0) initialCollapsed.add(s.id);
      }
      setInfo(info);
      setTree(t);
      setCollapsed(initialCollapsed);
      setSelectedId((cur) => {
        if (cur && t.byId.has(cur)) {
          const s = t.byId.get(cur)!;
          for (const a of ancestors(t, s)) initialCollapsed.delete(a.id);
          return cur;
        }
        return t.roots[0]?.id ?? '';
      });
      setLoadMs(performance.now() - t0);
    }).catch((e) => {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    });
    return () => ctl.abort();
  }, [traceId]);

  const refreshInfo = useCallback(async () => {
    try {
      const i = await getTraceInfo(traceId);
      setInfo(i);
      onInfoChange?.(i);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [traceId, onInfoChange]);

  const rows = useMemo(() => (tree ? visibleRows(tree, collapsed) : []), [tree, collapsed]);
  const selected = tree?.byId.get(selectedId);

  const matchList = useMemo(() => {
    const q = find.trim().toLowerCase();
    if (!tree || !q) return null;
    return tree.spans.filter((s) => s.name.toLowerCase().includes(q));
  }, [tree, find]);
  const matchSet = useMemo(() => (matchList ? new Set(matchList.map((s) => s.id)) : null), [matchList]);

  const select = useCallback((s: Span, reveal = false) => {
    setSelectedId(s.id);
    onSpanChange(s.id);
    if (reveal && tree) {
      const anc = ancestors(tree, s);
      if (anc.some((a) => collapsed.has(a.id))) {
        const next = new Set(collapsed);
        for (const a of anc) next.delete(a.id);
        setCollapsed(next);
      }
    }
  }, [tree, collapsed, onSpanChange]);

  const toggle = useCallback((s: Span) => {
    const next = new Set(collapsed);
    if (next.has(s.id)) next.delete(s.id);
    else next.add(s.id);
    setCollapsed(next);
  }, [collapsed]);

  const findNext = (dir: 1 | -1) => {
    if (!matchList || matchList.length === 0) return;
    const n = matchList.length;
    const pos = ((findPos + dir) % n + n) % n;
    setFindPos(pos);
    select(matchList[pos], true);
  };

  useKeys((e) => {
    if (e.key === 'Escape') {
      if (isTyping(e)) { (e.target as HTMLElement).blur(); return; }
      e.preventDefault();
      onClose();
      return;
    }
    if (isTyping(e) || !tree) return;
    const i = rows.findIndex((r) => r.id === selectedId);
    if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      const next = rows[Math.min(rows.length - 1, i + 1)];
      if (next) select(next);
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      const prev = rows[Math.max(0, i - 1)];
      if (prev) select(prev);
    } else if ((e.key === 'ArrowLeft' || e.key === 'h') && selected) {
      e.preventDefault();
      if (selected.children.length && !collapsed.has(selected.id)) toggle(selected);
      else if (selected.parentId && tree.byId.has(selected.parentId)) select(tree.byId.get(selected.parentId)!);
    } else if ((e.key === 'ArrowRight' || e.key === 'l') && selected) {
      e.preventDefault();
      if (selected.children.length && collapsed.has(selected.id)) toggle(selected);
    } else if (e.key === '/') {
      e.preventDefault();
      findInput.current?.focus();
    }
  });

  const assessments: Assessment[] = info?.assessments ?? [];
  const spanAssessments = assessments.filter((a) => a.span_id && a.span_id === selectedId);
  const usage = info ? traceTokens(info) : undefined;
  const spanCount = Number(info?.trace_metadata?.['tracelake.span_count'] ?? NaN);
  const truncated = tree && Number.isFinite(spanCount) && spanCount > tree.spans.length;
  const fragmented = info?.trace_metadata?.['tracelake.fragmented'] === 'true';
  const rootName = tree?.roots[0]?.name ?? '';

  return (
    <div class="trace-view" role="dialog" aria-label={`Trace ${traceId}`} data-trace-id={traceId}>
      <div class="tv-head">
        <button class="close" onClick={onClose} title="Close (Esc)" aria-label="Close trace">✕</button>
        <div class="tv-title">
          <h2>{rootName || 'Trace'}</h2>
          <span class="mono muted">{traceId}</span>
        </div>
        {info && (
          <div class="tv-meta">
            <span class={`state s-${info.state}`}>{info.state}</span>
            <span title="Start time">{formatTime(info.request_time)}</span>
            <span title="Duration">{formatDuration(parseDurationMs(info.execution_duration))}</span>
            <span title="Tokens">{formatInt(totalTokens(usage))} tokens</span>
            <span data-cost={cost?.cost_usd ?? ''}
                  title={cost?.models.map((m) => `${m.model || '(no model)'}: ${formatInt(m.input_tokens)} in / ${formatInt(m.output_tokens)} out, ${formatCost(m.cost_usd)}`).join('\n') || 'no token usage'}>
              cost {costText(cost)}</span>
            {tree && <span>{formatInt(tree.spans.length)} spans</span>}
            {loadMs !== null && <span class="muted" title="Load and layout time">{formatDuration(loadMs)}</span>}
          </div>
        )}
      </div>
      {error && <div class="error banner" role="alert">{error}</div>}
      {fragmented && (
        <div class="notice banner" data-notice="fragmented">
          Fragmented trace: its root span has not arrived (yet). The earliest span stands in as the
          root, and spans whose parent is missing are marked "orphan".
        </div>
      )}
      {truncated && (
        <div class="notice banner" data-notice="truncated">
          Truncated: showing {formatInt(tree!.spans.length)} of {formatInt(spanCount)} spans.
        </div>
      )}
      {info && (
        <div class="tv-bar">
          <TagEditor traceId={traceId} tags={info.tags ?? {}} onChanged={refreshInfo} />
          <div class="tv-assess">
            <span class="label">Assessments</span>
            {assessments.length === 0 && <span class="muted">none</span>}
            {assessments.slice(0, 6).map((a) => <AssessmentBadge key={a.assessment_id} a={a} />)}
            {assessments.length > 6 && <span class="muted">+{assessments.length - 6}</span>}
            <button class="link" onClick={() => setTab('assessments')}>annotate</button>
          </div>
        </div>
      )}
      {!tree && !error && <div class="loading">Loading trace…</div>}
      {tree && (
        <div class="tv-body">
          <div class="tv-left">
            <div class="find">
              <input ref={findInput} type="search" name="find-span" placeholder="Find span by name  ( / )" value={find}
                     onInput={(e) => { setFind((e.target as HTMLInputElement).value); setFindPos(-1); }}
                     onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); findNext(e.shiftKey ? -1 : 1); } }} />
              {matchList && (
                <span class="muted find-count">
                  {matchList.length === 0 ? 'no match' : `${findPos >= 0 ? findPos + 1 : 0} / ${matchList.length}`}
                </span>
              )}
              <button onClick={() => findNext(-1)} disabled={!matchList?.length} aria-label="Previous match">↑</button>
              <button onClick={() => findNext(1)} disabled={!matchList?.length} aria-label="Next match">↓</button>
              <button onClick={() => setCollapsed(new Set())} title="Expand all">expand all</button>
            </div>
            <div class="wf-header"><span>Span</span><span>Timeline · {formatDuration(tree.durationMs)}</span></div>
            <Waterfall rows={rows} durationMs={tree.durationMs} selectedId={selectedId} collapsed={collapsed}
                       matches={matchSet} onSelect={(s) => select(s)} onToggle={toggle} />
          </div>
          <div class="tv-right">
            {selected ? (
              <SpanDetail span={selected} tab={tab} setTab={setTab} spanAssessments={spanAssessments}
                assessmentsPanel={
                  <AssessmentList traceId={traceId} assessments={assessments} spanId={selected.id}
                    spanName={(id) => tree.byId.get(id)?.name ?? id}
                    onChanged={refreshInfo} onSelectSpan={(id) => { const s = tree.byId.get(id); if (s) select(s, true); }} />
                } />
            ) : <p class="muted pad">Select a span.</p>}
          </div>
        </div>
      )}
    </div>
  );
}
