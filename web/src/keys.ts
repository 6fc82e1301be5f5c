// Keyboard shortcuts: j/k or arrows move, Enter opens, / searches, Esc closes.
import { useEffect, useRef } from 'preact/hooks';

export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable;
}

// Calls handler for keydowns while enabled; the latest handler is always used.
export function useKeys(handler: (e: KeyboardEvent) => void, enabled = true): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!enabled) return;
    const l = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      ref.current(e);
    };
    window.addEventListener('keydown', l);
    return () => window.removeEventListener('keydown', l);
  }, [enabled]);
}
