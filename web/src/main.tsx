import { render } from 'preact';
import { linkClick, useLocation } from './router';
import { ExperimentsPage } from './components/ExperimentsPage';
import { TracesPage } from './components/TracesPage';
import { DashboardPage } from './components/DashboardPage';
import { DatasetsPage } from './components/DatasetsPage';
import { DatasetPage } from './components/DatasetPage';
import { EvaluationsPage } from './components/EvaluationsPage';
import { EvaluationRunPage } from './components/EvaluationRunPage';
import { EvaluationComparePage } from './components/EvaluationComparePage';
import { SqlPage } from './components/SqlPage';
import './styles.css';

function NotFound({ path }: { path: string }) {
  return (
    <div class="empty">
      Nothing here: <code>{path}</code>. <a href="/" onClick={linkClick}>Go to the experiments</a>.
    </div>
  );
}

function App() {
  const loc = useLocation();
  const m = /^\/experiments\/([^/]+)(?:\/traces\/([^/]+))?\/?$/.exec(loc.path);
  const dash = /^\/experiments\/([^/]+)\/dashboard\/?$/.exec(loc.path);
  const sub = /^\/experiments\/([^/]+)\/(datasets|evaluations)(?:\/([^/]+))?\/?$/.exec(loc.path);
  let page;
  if (sub) {
    const experimentId = decodeURIComponent(sub[1]);
    const item = sub[3] ? decodeURIComponent(sub[3]) : undefined;
    if (sub[2] === 'datasets') {
      page = item ? <DatasetPage experimentId={experimentId} datasetId={item} /> : <DatasetsPage experimentId={experimentId} />;
    } else if (item === 'compare') {
      page = <EvaluationComparePage experimentId={experimentId} query={loc.query} />;
    } else {
      page = item ? <EvaluationRunPage experimentId={experimentId} runId={item} query={loc.query} />
                  : <EvaluationsPage experimentId={experimentId} />;
    }
  } else if (dash) {
    page = <DashboardPage experimentId={decodeURIComponent(dash[1])} query={loc.query} />;
  } else if (loc.path === '/sql' || loc.path === '/sql/') {
    page = <SqlPage query={loc.query} />;
  } else if (loc.path === '/' || loc.path === '/experiments' || loc.path === '/experiments/') {
    page = <ExperimentsPage />;
  } else if (m) {
    page = <TracesPage experimentId={decodeURIComponent(m[1])} traceId={m[2] ? decodeURIComponent(m[2]) : undefined} query={loc.query} />;
  } else {
    page = <NotFound path={loc.path} />;
  }
  return (
    <>
      <header class="top">
        <a href="/" onClick={linkClick} class="logo">tracelake</a>
        <span class="muted small">traces for LLM agents</span>
        <nav class="top-nav" aria-label="Sections">
          <a href="/" onClick={linkClick} aria-current={loc.path === '/' ? 'page' : undefined}>Experiments</a>
          <a href="/sql" onClick={linkClick} data-link="sql" aria-current={loc.path.startsWith('/sql') ? 'page' : undefined}>SQL</a>
        </nav>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
