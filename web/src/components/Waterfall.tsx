// Span tree and timeline side by side, one row per span, virtualized: only the rows in view
// are in the DOM, so 100,000 spans scroll as smoothly as 10.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatDuration } from '../format';
import type { Span } from '../spans';

export const ROW_HEIGHT = 26;
const OVERSCAN = 12;

export function Waterfall({ rows, durationMs, selectedId, collapsed, matches, onSelect, onToggle }: {
  rows: Span[];
  durationMs: number;
  selectedId: string;
  collapsed: Set<string>;
  matches: Set<string> | null;
  onSelect: (s: Span) => void;
  onToggle: (s: Span) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the selected row in view (keyboard navigation, find).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const i = rows.findIndex((r) => r.id === selectedId);
    if (i < 0) return;
    const top = i * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [selectedId, rows]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const scale = durationMs > 0 ? 100 / durationMs : 0;
  const visible = rows.slice(first, last);

  return (
    <div class="waterfall" ref={box} onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
         role="tree" aria-label="Spans" data-row-count={rows.length}>
      <div class="wf-spacer" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
        {visible.map((s, k) => {
          const i = first + k;
          const left = s.startMs * scale;
          const width = Math.max(0.3, (s.endMs - s.startMs) * scale);
          const isCollapsed = collapsed.has(s.id);
          return (
            <div key={s.id} role="treeitem" aria-selected={s.id === selectedId}
                 aria-expanded={s.children.length ? !isCollapsed : undefined}
                 class={`wf-row ${s.id === selectedId ? 'sel' : ''} ${matches?.has(s.id) ? 'match' : ''} s-${s.status}`}
                 style={{ top: `${i * ROW_HEIGHT}px` }} data-span-id={s.id} data-span-name={s.name}
                 onClick={() => onSelect(s)}>
              <div class="wf-name" style={{ paddingLeft: `${6 + Math.min(s.depth, 40) * 14}px` }}>
                {s.children.length > 0 ? (
                  <button class="tw" aria-label={isCollapsed ? 'Expand' : 'Collapse'}
                          onClick={(e) => { e.stopPropagation(); onToggle(s); }}>{isCollapsed ? '▸' : '▾'}</button>
                ) : <span class="tw" />}
                {s.type && s.type !== 'UNKNOWN' && <span class={`type t-${s.type}`}>{s.type}</span>}
                <span class="nm">{s.name}</span>
                {s.status === 'ERROR' && <span class="err-dot" title="error">!</span>}
                {s.orphan && <span class="orphan" title="parent span not received">orphan</span>}
                {isCollapsed && <span class="muted"> ({s.children.length})</span>}
              </div>
              <div class="wf-track">
                <div class={`wf-bar t-${s.type || 'x'} s-${s.status}`} style={{ left: `${left}%`, width: `${width}%` }} />
                <span class="wf-dur" style={{ left: `${Math.min(left + width, 88)}%` }}>{formatDuration(s.endMs - s.startMs)}</span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
