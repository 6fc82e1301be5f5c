// Spans of one trace as the UI needs them: ids in hex, times in ms relative to the trace start,
// a parent/child tree (fragments become extra roots) and a flat list of visible rows.
// Attributes are decoded lazily (only for the selected span): a 100,000-span trace stays cheap.
import type { RawAnyValue, RawKeyValue, RawSpan } from './api';

export interface Span {
  index: number;
  id: string;          // 16 hex digits
  parentId: string;    // '' for a root
  name: string;
  kind: string;
  startMs: number;     // relative to the trace's earliest span
  endMs: number;       // >= startMs; equals startMs when the span has not ended
  status: 'OK' | 'ERROR' | 'UNSET';
  statusMessage: string;
  type: string;        // mlflow.spanType, e.g. LLM, CHAT_MODEL, TOOL; '' when unknown
  depth: number;
  children: Span[];
  orphan: boolean;     // has a parent id that is not in the trace
  raw: RawSpan;
}

export interface SpanTree {
  spans: Span[];
  roots: Span[];
  byId: Map<string, Span>;
  startNs: number;     // absolute, for display
  durationMs: number;
}

const HEX = '0123456789abcdef';

// base64 or hex id -> lowercase hex.
export function idHex(v: string | undefined, bytes: number): string {
  if (!v) return '';
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  try {
    const bin = atob(v);
    let out = '';
    for (let i = 0; i < bin.length; i++) {
      const c = bin.charCodeAt(i);
      out += HEX[c >> 4] + HEX[c & 15];
    }
    return out;
  } catch {
    return v;
  }
}

function statusOf(code: string | number | undefined): Span['status'] {
  if (code === 2 || code === '2' || code === 'STATUS_CODE_ERROR' || code === 'ERROR') return 'ERROR';
  if (code === 1 || code === '1' || code === 'STATUS_CODE_OK' || code === 'OK') return 'OK';
  return 'UNSET';
}

export function anyValue(v: RawAnyValue | undefined): unknown {
  if (!v) return null;
  if (v.string_value !== undefined) return v.string_value;
  if (v.bool_value !== undefined) return v.bool_value;
  if (v.int_value !== undefined) return Number(v.int_value);
  if (v.double_value !== undefined) return v.double_value;
  if (v.array_value !== undefined) return (v.array_value.values ?? []).map(anyValue);
  if (v.kvlist_value !== undefined) return attributeMap(v.kvlist_value.values);
  if (v.bytes_value !== undefined) return `base64:${v.bytes_value}`;
  return null;
}

export function attributeMap(kvs: RawKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

// An attribute MLflow stores as JSON text ("\"LLM\"", "{...}"), parsed; the raw text if it is
// not JSON.
export function jsonAttribute(s: Span, key: string): unknown {
  const kv = s.raw.attributes?.find((a) => a.key === key);
  if (!kv) return undefined;
  const v = anyValue(kv.value);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function spanType(raw: RawSpan): string {
  const kv = raw.attributes?.find((a) => a.key === 'mlflow.spanType');
  const v = kv?.value?.string_value;
  if (!v) return '';
  if (v.startsWith('"')) {
    try {
      return String(JSON.parse(v));
    } catch {
      return v;
    }
  }
  return v;
}

export function buildTree(raw: RawSpan[]): SpanTree {
  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (const r of raw) {
    const s = Number(r.start_time_unix_nano ?? 0);
    const e = Number(r.end_time_unix_nano ?? 0);
    if (s > 0 && s < minStart) minStart = s;
    if (e > maxEnd) maxEnd = e;
    if (s > maxEnd) maxEnd = s;
  }
  if (!Number.isFinite(minStart)) minStart = 0;
  const spans: Span[] = raw.map((r, index) => {
    const s = Number(r.start_time_unix_nano ?? 0);
    const e = Number(r.end_time_unix_nano ?? 0);
    const startMs = Math.max(0, (s - minStart) / 1e6);
    return {
      index,
      id: idHex(r.span_id, 8),
      parentId: idHex(r.parent_span_id, 8),
      name: r.name ?? '(unnamed)',
      kind: (r.kind ?? '').replace(/^SPAN_KIND_/, ''),
      startMs,
      endMs: e > 0 ? Math.max(startMs, (e - minStart) / 1e6) : startMs,
      status: statusOf(r.status?.code),
      statusMessage: r.status?.message ?? '',
      type: spanType(r),
      depth: 0,
      children: [],
      orphan: false,
      raw: r,
    };
  });
  const byId = new Map<string, Span>();
  for (const s of spans) byId.set(s.id, s);
  const roots: Span[] = [];
  for (const s of spans) {
    const parent = s.parentId ? byId.get(s.parentId) : undefined;
    if (parent && parent !== s) {
      parent.children.push(s);
    } else {
      s.orphan = s.parentId !== '';
      roots.push(s);
    }
  }
  const byStart = (a: Span, b: Span) => a.startMs - b.startMs || a.index - b.index;
  roots.sort(byStart);
  // Iterative: a chain of 100,000 nested spans must not overflow the stack. A cycle of parent
  // ids (hostile input) is never reached from a root, so those spans are added as roots below.
  const seen = new Set<Span>();
  const stack: Span[] = [...roots].reverse();
  for (const r of roots) r.depth = 0;
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    s.children.sort(byStart);
    for (let i = s.children.length - 1; i >= 0; i--) {
      s.children[i].depth = s.depth + 1;
      stack.push(s.children[i]);
    }
  }
  for (const s of spans) {
    if (!seen.has(s)) {
      s.depth = 0;
      s.children = [];
      s.orphan = true;
      roots.push(s);
    }
  }
  const durationMs = Number.isFinite(maxEnd) && maxEnd > minStart ? (maxEnd - minStart) / 1e6 : 0;
  return { spans, roots, byId, startNs: minStart, durationMs };
}

// Depth-first order of the spans whose ancestors are all expanded.
export function visibleRows(tree: SpanTree, collapsed: Set<string>): Span[] {
  const out: Span[] = [];
  const stack: Span[] = [...tree.roots].reverse();
  while (stack.length) {
    const s = stack.pop()!;
    out.push(s);
    if (collapsed.has(s.id)) continue;
    for (let i = s.children.length - 1; i >= 0; i--) stack.push(s.children[i]);
  }
  return out;
}

export function ancestors(tree: SpanTree, s: Span): Span[] {
  const out: Span[] = [];
  const seen = new Set<Span>();
  let p = s.parentId ? tree.byId.get(s.parentId) : undefined;
  while (p && !seen.has(p)) {
    seen.add(p);
    out.push(p);
    p = p.parentId ? tree.byId.get(p.parentId) : undefined;
  }
  return out;
}
