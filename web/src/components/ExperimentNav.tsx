// The sections of one experiment: its traces, dashboard, datasets and evaluation runs. Each is a
// plain link (the URL is the state), the current one marked for screen readers and styles.
import { linkClick } from '../router';

export type ExperimentSection = 'traces' | 'dashboard' | 'datasets' | 'evaluations';

const SECTIONS: { key: ExperimentSection; label: string; suffix: string }[] = [
  { key: 'traces', label: 'Traces', suffix: '' },
  { key: 'dashboard', label: 'Dashboard', suffix: '/dashboard' },
  { key: 'datasets', label: 'Datasets', suffix: '/datasets' },
  { key: 'evaluations', label: 'Evaluations', suffix: '/evaluations' },
];

export function experimentPath(experimentId: string, section: ExperimentSection = 'traces'): string {
  const s = SECTIONS.find((x) => x.key === section)!;
  return `/experiments/${encodeURIComponent(experimentId)}${s.suffix}`;
}

export function ExperimentNav({ experimentId, current }: { experimentId: string; current: ExperimentSection }) {
  return (
    <nav class="exp-nav" aria-label="Experiment sections">
      {SECTIONS.map((s) => (
        <a key={s.key} href={experimentPath(experimentId, s.key)} onClick={linkClick} data-link={s.key}
           class={s.key === current ? 'current' : undefined} aria-current={s.key === current ? 'page' : undefined}>
          {s.label}
        </a>
      ))}
    </nav>
  );
}
