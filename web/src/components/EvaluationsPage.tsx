// Placeholder: filled in by the evaluation UI work.
export function EvaluationsPage(_props: { experimentId: string }) {
  return <div class="empty">Coming soon.</div>;
}
