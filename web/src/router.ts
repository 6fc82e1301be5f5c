// A tiny history router: the URL is the state (shareable), and Back works.
import { useEffect, useState } from 'preact/hooks';

export interface Loc { path: string; query: URLSearchParams }

const listeners = new Set<() => void>();

function current(): Loc {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export function navigate(url: string, opts: { replace?: boolean } = {}): void {
  if (url === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const l of listeners) l();
}

window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => { listeners.delete(l); };
  }, []);
  return loc;
}

// onClick for <a href> that stays in the app (plain clicks only; modified clicks open tabs).
export function linkClick(e: MouseEvent): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.currentTarget as HTMLAnchorElement;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}

export function withQuery(path: string, q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}
