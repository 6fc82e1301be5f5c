// Pretty, collapsible JSON. Everything is rendered as text nodes (untrusted agent data).
// Children render only when expanded, and long strings and big arrays are cut with a
// "show more" control, so a 10 MB output does not freeze the page.
import { useState } from 'preact/hooks';

const MAX_STRING = 2000;
const MAX_ITEMS = 200;

function StringValue({ value }: { value: string }) {
  const [full, setFull] = useState(false);
  const cut = !full && value.length > MAX_STRING;
  return (
    <span class="j-str">
      "{cut ? value.slice(0, MAX_STRING) : value}"
      {cut && (
        <button class="link trunc" onClick={() => setFull(true)}>
          … {(value.length - MAX_STRING).toLocaleString('en-US')} more characters (truncated; show all)
        </button>
      )}
    </span>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span class="j-null">null</span>;
  if (typeof value === 'string') return <StringValue value={value} />;
  if (typeof value === 'number') return <span class="j-num">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="j-bool">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

function Node({ name, value, depth, openDepth }: { name?: string; value: unknown; depth: number; openDepth: number }) {
  const isObj = value !== null && typeof value === 'object';
  const [open, setOpen] = useState(depth < openDepth);
  const [limit, setLimit] = useState(MAX_ITEMS);
  const label = name !== undefined ? <span class="j-key">{name}: </span> : null;
  if (!isObj) {
    return <div class="j-row">{label}<Scalar value={value} /></div>;
  }
  const arr = Array.isArray(value);
  const entries: [string, unknown][] = arr
    ? (value as unknown[]).map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  const [l, r] = arr ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return <div class="j-row">{label}{l}{r}</div>;
  return (
    <div class="j-node">
      <div class="j-row">
        <button class="j-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? '▾' : '▸'}</button>
        {label}
        {open ? l : <span class="j-summary">{l} {entries.length} {arr ? 'items' : 'keys'} {r}</span>}
      </div>
      {open && (
        <div class="j-children">
          {entries.slice(0, limit).map(([k, v]) => (
            <Node key={k} name={arr ? undefined : k} value={v} depth={depth + 1} openDepth={openDepth} />
          ))}
          {entries.length > limit && (
            <button class="link trunc" onClick={() => setLimit(limit + MAX_ITEMS * 5)}>
              … {entries.length - limit} more (truncated; show more)
            </button>
          )}
        </div>
      )}
      {open && <div class="j-row">{r}</div>}
    </div>
  );
}

export function JsonView({ value, openDepth = 2 }: { value: unknown; openDepth?: number }) {
  return <div class="json"><Node value={value} depth={0} openDepth={openDepth} /></div>;
}
