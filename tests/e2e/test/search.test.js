// Trace search through the MLflow REST API: filters, order_by and paging over traces sent by a
// real exporter, with exact expected answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { EXPORTERS, context, exportItems, memoryTracer, trace, SpanKind, SpanStatusCode } from '../lib/otel.js';

const N = 13;

describe('search', () => {
  let server;
  let rest;
  let experimentId;
  let otherExperimentId;
  const mt = memoryTracer();
  // Trace i: root "search-root-<i>", starts at base + i s, lasts (i + 1) * 10 ms, ERROR when
  // i % 3 == 0, a child "tool-<i % 2 ? odd : even>" with attribute e2e.parity.
  const traces = [];
  const base = Date.now() - 3600 * 1000;

  before(async () => {
    server = await startServer();
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment(`e2e-search-${process.pid}`);
    otherExperimentId = await rest.createExperiment(`e2e-search-other-${process.pid}`);
    for (let i = 0; i < N; i++) {
      const start = base + i * 1000;
      const root = mt.tracer.startSpan(`search-root-${String(i).padStart(2, '0')}`, {
        kind: SpanKind.SERVER, startTime: start,
        attributes: { 'e2e.index': i, 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: `question number ${i}` }]) },
      });
      const parity = i % 2 ? 'odd' : 'even';
      const child = mt.tracer.startSpan(`tool-${parity}`, {
        startTime: start + 1, attributes: { 'e2e.parity': parity },
      }, trace.setSpan(context.active(), root));
      child.end(start + 2);
      const error = i % 3 === 0;
      root.setStatus(error ? { code: SpanStatusCode.ERROR, message: 'boom' } : { code: SpanStatusCode.OK });
      root.end(start + (i + 1) * 10);
      traces.push({ i, id: `tr-${root.spanContext().traceId}`, error, parity, start, durationMs: (i + 1) * 10 });
    }
    // Several requests, out of order, and a decoy trace in another experiment.
    const exporter = EXPORTERS['http/json'](server, { experimentId });
    const spans = mt.finished();
    try {
      await exportItems(exporter, spans.slice(10));
      await exportItems(exporter, spans.slice(0, 10));
    } finally {
      await exporter.shutdown();
    }
    const decoy = mt.tracer.startSpan('search-root-99', { startTime: base });
    decoy.setStatus({ code: SpanStatusCode.ERROR });
    decoy.end(base + 5);
    const other = EXPORTERS['http/json'](server, { experimentId: otherExperimentId });
    try {
      await exportItems(other, mt.finished().slice(spans.length));
    } finally {
      await other.shutdown();
    }
  });

  after(async () => {
    await mt.shutdown();
    try {
      if (server) await server.stopCleanly();
    } finally {
      server?.removeDataDir();
    }
  });

  const ids = (list) => list.map((t) => t.trace_id);
  const newestFirst = () => [...traces].sort((a, b) => b.start - a.start);

  test('default order is newest first, and every trace of the experiment is listed once', async () => {
    const all = await rest.searchAll(experimentId);
    assert.deepEqual(ids(all), newestFirst().map((t) => t.id));
  });

  test('paging through several pages returns each trace once, in order', async () => {
    for (const pageSize of [1, 4, 5, N, N + 5]) {
      const seen = [];
      let token;
      let pages = 0;
      do {
        const r = await rest.searchPage(experimentId, { maxResults: pageSize, orderBy: ['timestamp_ms ASC'], pageToken: token });
        assert.ok(r.traces.length <= pageSize, `page of ${r.traces.length} > max_results ${pageSize}`);
        seen.push(...ids(r.traces));
        token = r.next_page_token;
        pages++;
        assert.ok(pages <= N + 1, 'paging does not terminate');
        if (token) assert.equal(r.traces.length, pageSize, 'only the last page may be short');
      } while (token);
      assert.deepEqual(seen, traces.map((t) => t.id), `page size ${pageSize}`);
      assert.equal(new Set(seen).size, N, `duplicates with page size ${pageSize}`);
      assert.equal(pages, Math.max(1, Math.ceil(N / pageSize)), `page count with page size ${pageSize}`);
    }
  });

  test('filter on status', async () => {
    const errors = await rest.searchAll(experimentId, { filter: "attributes.status = 'ERROR'", orderBy: ['timestamp_ms ASC'] });
    assert.deepEqual(ids(errors), traces.filter((t) => t.error).map((t) => t.id));
    for (const t of errors) assert.equal(t.state, 'ERROR');
    const ok = await rest.searchAll(experimentId, { filter: "trace.status = 'OK'", orderBy: ['timestamp_ms ASC'] });
    assert.deepEqual(ids(ok), traces.filter((t) => !t.error).map((t) => t.id));
  });

  test('filter on execution time and timestamp, ordered by execution time', async () => {
    const slow = await rest.searchAll(experimentId, {
      filter: 'execution_time_ms >= 80', orderBy: ['execution_time_ms DESC'],
    });
    assert.deepEqual(ids(slow), traces.filter((t) => t.durationMs >= 80).sort((a, b) => b.durationMs - a.durationMs).map((t) => t.id));
    const cut = traces[5].start;
    const late = await rest.searchAll(experimentId, { filter: `timestamp_ms > ${cut}`, orderBy: ['timestamp_ms ASC'] });
    assert.deepEqual(ids(late), traces.slice(6).map((t) => t.id));
  });

  test('filter on name, span attributes and a conjunction, paged', async () => {
    const one = await rest.searchAll(experimentId, { filter: "trace.name = 'search-root-04'" });
    assert.deepEqual(ids(one), [traces[4].id]);
    const odd = await rest.searchAll(experimentId, {
      filter: "span.attributes.`e2e.parity` = 'odd' AND attributes.status = 'OK'", orderBy: ['timestamp_ms ASC'], maxResults: 2,
    });
    assert.deepEqual(ids(odd), traces.filter((t) => t.parity === 'odd' && !t.error).map((t) => t.id));
    const byName = await rest.searchAll(experimentId, { filter: "span.name = 'tool-even'", maxResults: 3 });
    assert.deepEqual(ids(byName), newestFirst().filter((t) => t.parity === 'even').map((t) => t.id));
    const like = await rest.searchAll(experimentId, { filter: "trace.name LIKE 'search-root-1%'", orderBy: ['timestamp_ms ASC'] });
    assert.deepEqual(ids(like), traces.filter((t) => t.i >= 10).map((t) => t.id));
  });

  test('a filter matching nothing returns an empty page without a token', async () => {
    const r = await rest.searchPage(experimentId, { filter: "trace.name = 'no-such-trace'" });
    assert.deepEqual(r.traces, []);
    assert.equal(r.next_page_token, undefined);
  });

  test('experiments are isolated; the experiment_ids request form works too', async () => {
    const other = await rest.searchAll(otherExperimentId);
    assert.equal(other.length, 1);
    assert.ok(!traces.some((t) => t.id === other[0].trace_id));
    const r = await rest.ok('POST', '/api/3.0/mlflow/traces/search', { experiment_ids: [experimentId], max_results: 100 });
    assert.deepEqual(ids(r.traces ?? []), newestFirst().map((t) => t.id));
    const both = await rest.ok('POST', '/api/3.0/mlflow/traces/search', {
      locations: [experimentId, otherExperimentId].map((e) => ({ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: e } })),
      max_results: 100,
    });
    assert.equal((both.traces ?? []).length, N + 1);
  });
});
