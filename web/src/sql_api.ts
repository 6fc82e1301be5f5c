// SQL over the trace tables (docs/sql.md): POST /api/2.0/tracelake/sql, read-only, answered with
// column names and types and the rows as JSON values (null for SQL NULL).
import { call } from './api';

export interface SqlColumn { name: string; type: string }
export type SqlCell = string | number | boolean | null;
export interface SqlResult { columns: SqlColumn[]; rows: SqlCell[][]; truncated: boolean }

export async function runSql(query: string, maxRows: number, signal?: AbortSignal): Promise<SqlResult> {
  const r = await call<Partial<SqlResult>>('POST', '/api/2.0/tracelake/sql', { query, max_rows: maxRows }, signal);
  return { columns: r.columns ?? [], rows: r.rows ?? [], truncated: !!r.truncated };
}

// A cell as text: SQL NULL is the empty string in CSV, numbers and booleans as JSON writes them.
export function cellText(v: SqlCell): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

// RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted, quotes doubled, lines end CRLF.
// Agent text is untrusted: a string cell starting with = + - @ TAB or CR would run as a formula
// in a spreadsheet (OWASP "CSV injection"), so it gets a leading apostrophe. Numbers never do.
export function toCsv(r: SqlResult): string {
  const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const cell = (v: SqlCell) => {
    const s = cellText(v);
    return field(typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
  };
  const lines = [r.columns.map((c) => field(c.name)).join(',')];
  for (const row of r.rows) lines.push(row.map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}
