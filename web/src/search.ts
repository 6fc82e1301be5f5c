// The traces list's search state, kept in the URL so a search can be shared, and its
// translation into one filter string of the REST API's grammar (docs/search.md).

export interface SearchState {
  filter: string;   // the user's own filter expression
  q: string;        // full-text search over inputs, outputs and name
  state: string;    // OK | ERROR | IN_PROGRESS
  range: string;    // 15m | 1h | 24h | 7d | 30d
  mindur: string;   // minimum duration in ms
  tag: string;      // key or key=value
  fb: string;       // feedback name or name=value
  order: string;    // e.g. "timestamp_ms DESC"
  size: string;     // page size
  judges: string;   // '1': also list the traces of judges' own calls (hidden by default)
}

export const SEARCH_KEYS: (keyof SearchState)[] = ['filter', 'q', 'state', 'range', 'mindur', 'tag', 'fb', 'order', 'size', 'judges'];

// The tag MLflow (and tracelake's evaluations) set on the trace of a judge's or scorer's own call.
export const SOURCE_SCORER_TAG = 'mlflow.trace.sourceScorer';

export const RANGES: Record<string, number> = {
  '15m': 15 * 60e3, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3,
};

export const DEFAULT_ORDER = 'timestamp_ms DESC';

export function readSearch(q: URLSearchParams): SearchState {
  const s = {} as SearchState;
  for (const k of SEARCH_KEYS) s[k] = q.get(k) ?? '';
  return s;
}

export function searchQuery(s: SearchState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of SEARCH_KEYS) if (s[k]) out[k] = s[k];
  return out;
}

export function quote(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

export function quoteKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : '`' + k.replace(/`/g, '``') + '`';
}

function keyValue(prefix: string, spec: string, anyValue: (k: string) => string): string {
  const i = spec.indexOf('=');
  const k = (i < 0 ? spec : spec.slice(0, i)).trim();
  const v = i < 0 ? undefined : spec.slice(i + 1).trim();
  return v === undefined ? anyValue(`${prefix}.${quoteKey(k)}`) : `${prefix}.${quoteKey(k)} = ${quote(v)}`;
}

export interface BuiltFilter {
  filter: string;
  userOffset: number;   // where the user's filter starts in `filter` (0-based), -1 if absent
}

export function buildFilter(s: SearchState, now: number): BuiltFilter {
  const extra: string[] = [];
  if (s.q.trim()) extra.push(`text ILIKE ${quote(`%${s.q.trim()}%`)}`);
  if (s.state) extra.push(`status = ${quote(s.state)}`);
  if (s.range && RANGES[s.range]) extra.push(`timestamp_ms >= ${Math.floor(now - RANGES[s.range])}`);
  if (s.mindur && Number(s.mindur) > 0) extra.push(`execution_time_ms >= ${Number(s.mindur)}`);
  if (s.tag.trim()) extra.push(keyValue('tags', s.tag.trim(), (f) => `${f} IS NOT NULL`));
  // "Has feedback <name>": any value matches LIKE '%' (IS NOT NULL on feedback is not
  // evaluated by the SQLite store yet, docs/search.md).
  if (s.fb.trim()) extra.push(keyValue('feedback', s.fb.trim(), (f) => `${f} LIKE '%'`));
  const user = s.filter.trim();
  // Judges' own calls are traces too (one per verdict); the list hides them unless asked, or
  // unless the user's own filter is about them.
  if (s.judges !== '1' && !user.includes(SOURCE_SCORER_TAG) && !s.tag.includes(SOURCE_SCORER_TAG)) {
    extra.push(`tags.\`${SOURCE_SCORER_TAG}\` IS NULL`);
  }
  if (!user) return { filter: extra.join(' AND '), userOffset: -1 };
  if (extra.length === 0) return { filter: user, userOffset: 0 };
  return { filter: `(${user}) AND ${extra.join(' AND ')}`, userOffset: 1 };
}

// The server names 1-based byte positions in the whole filter ("at position 6"); point them at
// the user's own text. Returns the message and a 0-based character offset into the user's
// filter, when the position falls inside it.
export function explainFilterError(message: string, built: BuiltFilter, userFilter: string): { message: string; offset?: number } {
  const m = /at position (\d+)/.exec(message);
  if (!m || built.userOffset < 0) return { message };
  const bytePos = Number(m[1]) - 1 - built.userOffset;
  const user = userFilter.trim();
  const bytes = new TextEncoder().encode(user);
  if (bytePos < 0 || bytePos > bytes.length) return { message };
  const offset = new TextDecoder().decode(bytes.slice(0, bytePos)).length;
  return { message: message.replace(/at position \d+/, `at position ${bytePos + 1}`), offset };
}
