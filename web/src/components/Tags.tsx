// A trace's tags: user tags editable (add, change, remove), mlflow.* system tags read-only.
import { useState } from 'preact/hooks';
import { ApiError, deleteTraceTag, setTraceTag } from '../api';

export function isSystemTag(key: string): boolean {
  return key.startsWith('mlflow.');
}

export function TagChips({ tags, max = 3 }: { tags: Record<string, string> | undefined; max?: number }) {
  const entries = Object.entries(tags ?? {}).filter(([k]) => !isSystemTag(k));
  return (
    <span class="chips">
      {entries.slice(0, max).map(([k, v]) => (
        <span key={k} class="chip" title={`${k} = ${v}`}>{k}{v ? `: ${v.length > 20 ? v.slice(0, 20) + '…' : v}` : ''}</span>
      ))}
      {entries.length > max && <span class="chip more">+{entries.length - max}</span>}
    </span>
  );
}

export function TagEditor({ traceId, tags, onChanged }: {
  traceId: string; tags: Record<string, string>; onChanged: () => void;
}) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState('');
  const user = Object.entries(tags).filter(([k]) => !isSystemTag(k)).sort(([a], [b]) => a.localeCompare(b));

  const run = async (f: () => Promise<void>) => {
    setError('');
    try {
      await f();
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) { setError('A tag needs a key'); return; }
    if (isSystemTag(k)) { setError('mlflow.* tags are set by the system'); return; }
    void run(async () => {
      await setTraceTag(traceId, k, value);
      setKey('');
      setValue('');
      setAdding(false);
    });
  };
  return (
    <div class="tag-editor">
      <span class="label">Tags</span>
      {user.length === 0 && !adding && <span class="muted">none</span>}
      {user.map(([k, v]) => (
        <span key={k} class="chip editable" data-tag={k}>
          <button class="chip-body" title="Edit" onClick={() => { setKey(k); setValue(v); setAdding(true); }}>
            {k}{v ? `: ${v}` : ''}
          </button>
          <button class="chip-x" aria-label={`Remove tag ${k}`} title="Remove"
                  onClick={() => run(() => deleteTraceTag(traceId, k))}>×</button>
        </span>
      ))}
      {adding ? (
        <form class="tag-form" onSubmit={save}>
          <input name="tag-key" placeholder="key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
          <input name="tag-value" placeholder="value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary">Save</button>
          <button type="button" onClick={() => { setAdding(false); setKey(''); setValue(''); setError(''); }}>Cancel</button>
        </form>
      ) : (
        <button class="link" onClick={() => setAdding(true)}>+ tag</button>
      )}
      {error && <span class="error" role="alert">{error}</span>}
    </div>
  );
}
