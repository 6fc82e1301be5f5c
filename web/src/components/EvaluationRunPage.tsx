// Placeholder: filled in by the evaluation UI work.
export function EvaluationRunPage(_props: { experimentId: string; runId: string; query: URLSearchParams }) {
  return <div class="empty">Coming soon.</div>;
}
