// Formatting of times, durations, token counts and assessment values.
import type { Assessment, TraceInfo } from './api';

export function parseDurationMs(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d);
  return m ? Number(m[1]) * 1000 : undefined;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60000);
  return `${m} m ${((ms % 60000) / 1000).toFixed(0)} s`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatRelative(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export interface TokenUsage { input_tokens?: number; output_tokens?: number; total_tokens?: number }

export function parseTokenUsage(text: string | undefined): TokenUsage | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? v as TokenUsage : undefined;
  } catch {
    return undefined;
  }
}

export function traceTokens(info: TraceInfo): TokenUsage | undefined {
  return parseTokenUsage(info.trace_metadata?.['mlflow.trace.tokenUsage']);
}

export function formatInt(n: number | undefined): string {
  return n === undefined ? '—' : n.toLocaleString('en-US');
}

export function totalTokens(u: TokenUsage | undefined): number | undefined {
  if (!u) return undefined;
  if (u.total_tokens !== undefined) return u.total_tokens;
  if (u.input_tokens === undefined && u.output_tokens === undefined) return undefined;
  return (u.input_tokens ?? 0) + (u.output_tokens ?? 0);
}

// One line of text for any JSON value.
export function valueText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export type Verdict = 'pass' | 'fail' | 'neutral';

export function verdictOf(v: unknown): Verdict {
  if (v === true) return 'pass';
  if (v === false) return 'fail';
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (['yes', 'pass', 'passed', 'true', 'good', 'correct', 'positive'].includes(s)) return 'pass';
    if (['no', 'fail', 'failed', 'false', 'bad', 'incorrect', 'negative'].includes(s)) return 'fail';
  }
  return 'neutral';
}

export function assessmentValue(a: Assessment): unknown {
  if (a.feedback) return a.feedback.value;
  if (a.expectation) {
    if (a.expectation.value !== undefined) return a.expectation.value;
    return a.expectation.serialized_value?.value;
  }
  return undefined;
}

export function assessmentValueText(a: Assessment): string {
  if (a.feedback?.error && a.feedback.value === undefined) {
    return `error: ${a.feedback.error.error_code ?? ''} ${a.feedback.error.error_message ?? ''}`.trim();
  }
  const v = assessmentValue(a);
  if (v === true) return 'Pass';
  if (v === false) return 'Fail';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' · ');
  return valueText(v);
}

export function sourceLabel(t: string | undefined): string {
  switch (t) {
    case 'HUMAN': return 'human';
    case 'LLM_JUDGE': return 'LLM judge';
    case 'CODE': return 'code';
    default: return 'unknown';
  }
}

export function shortId(traceId: string): string {
  const hex = traceId.startsWith('tr-') ? traceId.slice(3) : traceId;
  return hex.slice(0, 8);
}

// US dollars with enough digits for fractions of a cent; "unpriced" when the cost is unknown.
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'unpriced';
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(usd < 100 ? 4 : 2)}`;
}

// Cost of one trace for display: its priced part, marked when some models are unpriced.
export function costText(c: { cost_usd: number | null; unpriced_models: string[] } | undefined): string {
  if (!c) return '—';
  if (c.cost_usd === null) return c.unpriced_models.length ? 'unpriced' : '—';
  return formatCost(c.cost_usd) + (c.unpriced_models.length ? ' + unpriced' : '');
}
