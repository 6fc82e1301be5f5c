// Placeholder: filled in by the evaluation UI work.
export function EvaluationComparePage(_props: { experimentId: string; query: URLSearchParams }) {
  return <div class="empty">Coming soon.</div>;
}
