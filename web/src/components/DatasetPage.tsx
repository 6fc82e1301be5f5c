// Placeholder: filled in by the evaluation UI work.
export function DatasetPage(_props: { experimentId: string; datasetId: string }) {
  return <div class="empty">Coming soon.</div>;
}
