// Placeholder: filled in by the evaluation UI work.
export function DatasetsPage(_props: { experimentId: string }) {
  return <div class="empty">Coming soon.</div>;
}
