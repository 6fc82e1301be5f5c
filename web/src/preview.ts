// Human text for a trace's request/response preview: the conversation's user question or
// assistant answer when the preview is chat JSON, else the preview as it is.
import { messagesOf } from './components/ChatView';

export function previewText(preview: string | undefined, prefer: 'user' | 'assistant'): string {
  if (!preview) return '';
  const t = preview.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return preview;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return preview;  // cut by the server's preview length limit
  }
  if (typeof v === 'string') return v;
  const msgs = messagesOf(v);
  if (msgs) {
    const pick = [...msgs].reverse().find((m) => m.role === prefer && m.text.length) ??
                 [...msgs].reverse().find((m) => m.text.length);
    if (pick) return pick.text.join(' ');
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const vals = Object.values(v as Record<string, unknown>);
    if (vals.length === 1 && typeof vals[0] === 'string') return vals[0];
  }
  return preview;
}
