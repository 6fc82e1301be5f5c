// Evaluation runs in the web UI (docs/ui.md, docs/evaluation.md): two runs of a 12-record dataset
// against two agent stand-ins, scored by two code scorers and an LLM judge (a scripted
// OpenAI-compatible stand-in behind OPENAI_BASE_URL). The runs page lists them; the run page
// shows counts and Wilson intervals, filters records by verdict (kept in the URL), shows a
// hostile rationale as text and links each record to its trace; the compare page shows the
// records that changed and whether the change is more than noise; a slow run shows progress and
// is cancelled from its page. Every expected number is computed here from the stand-ins' rules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { binomTail, listen, readBody, sendJson, wilson } from '../lib/eval_standins.js';
import { assertNoProblems, launchBrowser, openPage, screenshot, uiSkipReason } from '../lib/ui_browser.js';

const CAPITALS = {
  France: 'Paris', Peru: 'Lima', Japan: 'Tokyo', Kenya: 'Nairobi', Chile: 'Santiago',
  Egypt: 'Cairo', Spain: 'Madrid', Italy: 'Rome', Norway: 'Oslo', Ghana: 'Accra',
  Cuba: 'Havana', Nepal: 'Kathmandu',
};
const COUNTRIES = Object.keys(CAPITALS);
// Agent A misses one; agent B misses eight others.
const WRONG = {
  A: new Set(['Cuba']),
  B: new Set(['Peru', 'Japan', 'Kenya', 'Chile', 'Egypt', 'Spain', 'Italy', 'Norway']),
};
// The expected answer of one record is not what either agent says (exact_match fails it).
const EXPECTED = Object.fromEntries(COUNTRIES.map((c) => [c, CAPITALS[c]]));
EXPECTED.Nepal = 'Kathmandu, Nepal';
// The judge answers nonsense about one record (unknown), and a hostile rationale about another.
const JUDGE_BROKEN = 'Ghana';
const HOSTILE_ABOUT = 'Cuba';
const HOSTILE = '<img src=x onerror=alert(1)>';
const NOT_SURE = 'I am not sure';
const SCORERS = ['exact_match', 'correctness', 'is_not_empty'];

// What each scorer must answer, from the rules above: 'yes' | 'no' | 'unknown'.
function expectedVerdict(agent, scorer, country) {
  const answer = WRONG[agent].has(country) ? NOT_SURE : CAPITALS[country];
  if (scorer === 'exact_match') return answer === EXPECTED[country] ? 'yes' : 'no';
  if (scorer === 'is_not_empty') return answer.length > 0 ? 'yes' : 'no';
  if (country === JUDGE_BROKEN) return 'unknown';
  return answer === NOT_SURE ? 'no' : 'yes';
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const pText = (p) => (p < 0.001 ? 'p < 0.001' : `p = ${Number(p.toFixed(3))}`);

describe('ui evaluations', { skip: uiSkipReason() }, () => {
  let server, rest, judge, agents, browser, page, context, problems, experimentId, datasetId;
  const runs = {};              // agent -> run id
  const keyOf = {};             // country -> dataset record key
  const records = {};           // agent -> records answer (REST)

  function makeAgent(wrong, delayMs = 0) {
    return listen(async (req, res) => {
      const body = JSON.parse(await readBody(req));
      const question = body.messages.at(-1).content;
      const country = COUNTRIES.find((c) => question.includes(c));
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const answer = country && !wrong.has(country) ? CAPITALS[country] : NOT_SURE;
      sendJson(res, { choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] });
    });
  }

  async function until(fn, what, tries = 600) {
    for (let i = 0; i < tries; i++) {
      const v = await fn();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  async function evaluate(agent, name, extra = {}) {
    const started = await rest.ok('POST', '/api/2.0/tracelake/evaluations', {
      experiment_id: experimentId, dataset_id: datasetId, run_name: name, scorers: SCORERS,
      agent: { url: `http://127.0.0.1:${agents[agent].address().port}/v1/chat/completions` }, ...extra });
    return started.run_id;
  }
  const status = (id) => rest.ok('GET', `/api/2.0/tracelake/evaluations/${id}`);

  before(async () => {
    // The judge: "yes" unless the answer under judgement is the agents' "not sure".
    judge = await listen(async (req, res) => {
      const body = JSON.parse(await readBody(req));
      const prompt = body.messages.map((m) => m.content).join('\n');
      let content;
      if (prompt.includes(JUDGE_BROKEN)) {
        content = 'Well, it depends.';
      } else {
        const verdict = prompt.includes(NOT_SURE) ? 'no' : 'yes';
        const rationale = prompt.includes(HOSTILE_ABOUT) ? HOSTILE : `judged ${verdict}`;
        content = JSON.stringify({ result: verdict, rationale });
      }
      sendJson(res, {
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      });
    });
    server = await startServer({
      grpc: false,
      extraArgs: ['--online-scoring-settle', '0'],
      env: {
        OPENAI_BASE_URL: `http://127.0.0.1:${judge.address().port}/v1`, OPENAI_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: '', ANTHROPIC_API_KEY: '',
      },
    });
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('ui-evaluations');
    agents = { A: await makeAgent(WRONG.A), B: await makeAgent(WRONG.B), slow: await makeAgent(new Set(), 1000) };

    const ds = await rest.ok('POST', '/api/3.0/mlflow/datasets/create', { name: 'capitals', experiment_ids: [experimentId] });
    datasetId = ds.dataset.dataset_id;
    await rest.ok('POST', `/api/3.0/mlflow/datasets/${datasetId}/records`, { records: JSON.stringify(COUNTRIES.map((c) => ({
      inputs: { question: `What is the capital of ${c}?` },
      expectations: { expected_response: EXPECTED[c] },
    }))) });
    const got = await rest.ok('GET', `/api/3.0/mlflow/datasets/${datasetId}/records`);
    const list = typeof got.records === 'string' ? JSON.parse(got.records) : got.records;
    for (const r of list) {
      const q = typeof r.inputs === 'string' ? JSON.parse(r.inputs).question : r.inputs.question;
      keyOf[COUNTRIES.find((c) => q.includes(c))] = r.dataset_record_id;
    }
    assert.equal(Object.keys(keyOf).length, COUNTRIES.length);

    // Run A first, then B: the compare view puts the older run as A.
    for (const agent of ['A', 'B']) {
      runs[agent] = await evaluate(agent, `agent-${agent}`);
      const s = await until(async () => { const x = await status(runs[agent]); return x.status !== 'RUNNING' && x; }, `run ${agent}`);
      assert.equal(s.status, 'FINISHED', JSON.stringify(s));
      records[agent] = await rest.ok('GET', `/api/2.0/tracelake/evaluations/${runs[agent]}/records`);
    }
    browser = await launchBrowser();
    ({ page, context, problems } = await openPage(browser));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stopCleanly();
    server?.removeDataDir();
    for (const s of [judge, ...Object.values(agents ?? {})]) s?.close();
  });

  const base = () => `${server.url}/experiments/${experimentId}/evaluations`;
  const shownKeys = async () => (await page.locator('table.ev-records tbody tr').evaluateAll(
    (rows) => rows.map((r) => r.getAttribute('data-record-key')))).sort();
  const keysWhere = (agent, pred) => COUNTRIES.filter((c) => pred(c)).map((c) => keyOf[c]).sort();

  test('the runs page lists both runs with their pass rates', async () => {
    await page.goto(base());
    for (const agent of ['A', 'B']) {
      const row = page.locator(`table.ev-runs tr[data-run-id="${runs[agent]}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), new RegExp(`agent-${agent}`));
      assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'FINISHED');
      const yes = COUNTRIES.filter((c) => expectedVerdict(agent, 'correctness', c) === 'yes').length;
      const no = COUNTRIES.filter((c) => expectedVerdict(agent, 'correctness', c) === 'no').length;
      const chip = await row.locator('.ev-chip[data-scorer=correctness]').innerText();
      assert.ok(chip.includes(`${((yes / (yes + no)) * 100).toFixed(0)}%`), chip);
      assert.match(chip, /1 unknown/);
    }
    assert.equal(await page.locator('table.ev-runs tbody tr').count(), 2);
  });

  test('the run page shows counts and Wilson intervals computed independently', async () => {
    await page.click(`table.ev-runs tr[data-run-id="${runs.A}"] .ev-run-name a`);
    await page.locator('table.ev-agg').waitFor();
    assert.equal(new URL(page.url()).pathname, `/experiments/${experimentId}/evaluations/${runs.A}`);
    for (const scorer of SCORERS) {
      const v = COUNTRIES.map((c) => expectedVerdict('A', scorer, c));
      const yes = v.filter((x) => x === 'yes').length;
      const no = v.filter((x) => x === 'no').length;
      const unknown = v.filter((x) => x === 'unknown').length;
      const row = page.locator(`table.ev-agg tr[data-scorer="${scorer}"]`);
      assert.equal(await row.locator('[data-count=yes]').innerText(), String(yes), scorer);
      assert.equal(await row.locator('[data-count=no]').innerText(), String(no), scorer);
      assert.equal(await row.locator('[data-count=unknown]').innerText(), String(unknown), scorer);
      assert.equal(await row.locator('[data-rate]').innerText(), pct(yes / (yes + no)), scorer);
      const [lo, hi] = wilson(yes, yes + no);
      assert.equal(await row.locator('[data-ci]').innerText(), `${pct(lo)} – ${pct(hi)}`, scorer);
      assert.ok(await row.locator('.ev-ci-range').count() === 1, 'interval bar');
    }
    // The spec, without credentials; the progress and Cancel only while running.
    assert.equal(await page.locator('[data-spec=dataset]').innerText(), datasetId);
    assert.match(await page.locator('[data-spec=agent]').innerText(), new RegExp(`127\\.0\\.0\\.1:${agents.A.address().port}`));
    assert.equal(await page.locator('button.ev-cancel').count(), 0);
    // Every record, each with its unknown's error and a trace link.
    assert.deepEqual(await shownKeys(), Object.values(keyOf).sort());
    const broken = page.locator(`tr[data-record-key="${keyOf[JUDGE_BROKEN]}"]`);
    assert.ok((await broken.locator('[data-verdict=unknown] ~ [data-error]').innerText()).length > 0);
    await page.screenshot({ path: '/tmp/ui-eval-run.png', fullPage: true });
    await screenshot(page, 'evaluation-run');
  });

  test('a hostile rationale is text', async () => {
    const row = page.locator(`tr[data-record-key="${keyOf[HOSTILE_ABOUT]}"]`);
    const rationales = await row.locator('[data-rationale]').allInnerTexts();
    assert.ok(rationales.includes(HOSTILE), JSON.stringify(rationales));
    assert.equal(await page.locator('table.ev-records img').count(), 0);
    assertNoProblems(problems);
  });

  test('filter by verdict shows exactly the expected records, in the URL, and Back works', async () => {
    const pick = async (verdict, scorer) => {
      await page.selectOption('select[name=verdict]', verdict);
      if (scorer !== undefined) await page.selectOption('select[name=scorer]', scorer);
    };
    const check = async (verdict, scorer) => {
      const want = keysWhere('A', (c) => (scorer ? [scorer] : SCORERS).some((s) => expectedVerdict('A', s, c) === verdict));
      await until(async () => JSON.stringify(await shownKeys()) === JSON.stringify(want), `${verdict}/${scorer}`, 100);
      const q = new URL(page.url()).searchParams;
      assert.equal(q.get('verdict'), verdict);
      assert.equal(q.get('scorer') ?? '', scorer ?? '');
      return want;
    };
    await pick('no', 'correctness');
    assert.deepEqual(await check('no', 'correctness'), [keyOf.Cuba]);
    await pick('no', 'exact_match');
    assert.deepEqual(await check('no', 'exact_match'), [keyOf.Cuba, keyOf.Nepal].sort());
    await pick('unknown', '');
    assert.deepEqual(await check('unknown', ''), [keyOf[JUDGE_BROKEN]]);
    // Choosing "unknown" kept exact_match for a moment (one history entry), then "any scorer".
    await page.goBack();
    assert.deepEqual(await check('unknown', 'exact_match'), []);
    await page.goBack();
    await check('no', 'exact_match');
    // Shared as a URL: the same rows.
    await page.goto(`${base()}/${runs.A}?verdict=yes&scorer=correctness`);
    await page.locator('table.ev-records').waitFor();
    await check('yes', 'correctness');
  });

  test('a record\'s trace link opens its trace', async () => {
    await page.goto(`${base()}/${runs.A}`);
    const rec = records.A.records.find((r) => r.record_key === keyOf.France);
    const link = page.locator(`tr[data-record-key="${keyOf.France}"] a[data-trace-link]`);
    await link.click();
    await page.locator('.wf-row[data-span-name="predict"]').waitFor();
    assert.equal(new URL(page.url()).pathname, `/experiments/${experimentId}/traces/${rec.trace_id}`);
  });

  test('the compare page shows the changed records and whether it is noise', async () => {
    await page.goto(base());
    await page.check(`tr[data-run-id="${runs.B}"] input[type=checkbox]`);
    await page.check(`tr[data-run-id="${runs.A}"] input[type=checkbox]`);
    await page.click('button[data-compare]');
    await page.locator('.ev-cmp-scorer').first().waitFor();
    const q = new URL(page.url()).searchParams;
    assert.deepEqual([q.get('a'), q.get('b')], [runs.A, runs.B]);
    // The changed records carry their question (the trace's request preview).
    const block0Questions = () => page.locator(`.ev-cmp-scorer[data-scorer=correctness] tr[data-record-key="${keyOf.Peru}"] [data-input]`)
      .filter({ hasText: 'What is the capital of Peru?' }).waitFor();
    const traceOf = (agent, key) => records[agent].records.find((r) => r.record_key === key).trace_id;
    for (const scorer of SCORERS) {
      const t = { both_yes: 0, both_no: 0, yes_to_no: 0, no_to_yes: 0, with_unknown: 0 };
      const changed = [];
      for (const c of COUNTRIES) {
        const a = expectedVerdict('A', scorer, c);
        const b = expectedVerdict('B', scorer, c);
        if (a !== b) changed.push(keyOf[c]);
        if (a === 'unknown' || b === 'unknown') t.with_unknown++;
        else if (a === 'yes' && b === 'yes') t.both_yes++;
        else if (a === 'no' && b === 'no') t.both_no++;
        else if (a === 'yes') t.yes_to_no++;
        else t.no_to_yes++;
      }
      const n = t.yes_to_no + t.no_to_yes;
      const p = n === 0 ? 1 : Math.min(1, 2 * binomTail(Math.min(t.yes_to_no, t.no_to_yes), n));
      const words = p < 0.05
        ? `B is ${t.yes_to_no > t.no_to_yes ? 'worse' : 'better'}, unlikely to be noise (${pText(p)})`
        : `no significant change (${pText(p)})`;
      const block = page.locator(`.ev-cmp-scorer[data-scorer="${scorer}"]`);
      for (const [k, v] of Object.entries(t)) assert.equal(await block.locator(`[data-k=${k}]`).innerText(), String(v), `${scorer} ${k}`);
      assert.equal(await block.locator('[data-significance]').innerText(), words, scorer);
      const decidedA = COUNTRIES.map((c) => expectedVerdict('A', scorer, c)).filter((v) => v !== 'unknown');
      const decidedB = COUNTRIES.map((c) => expectedVerdict('B', scorer, c)).filter((v) => v !== 'unknown');
      assert.equal(await block.locator('[data-rate-a]').innerText(), pct(decidedA.filter((v) => v === 'yes').length / decidedA.length));
      assert.equal(await block.locator('[data-rate-b]').innerText(), pct(decidedB.filter((v) => v === 'yes').length / decidedB.length));
      const rows = await block.locator('table.ev-changed tbody tr').evaluateAll((trs) => trs.map((r) => r.getAttribute('data-record-key')));
      assert.deepEqual(rows.sort(), changed.sort(), scorer);
      for (const key of changed) {
        const row = block.locator(`tr[data-record-key="${key}"]`);
        assert.equal(await row.locator('a[data-trace=a]').innerText(), traceOf('A', key));
        assert.equal(await row.locator('a[data-trace=b]').innerText(), traceOf('B', key));
      }
    }
    // One significant regression and one unchanged scorer, so both phrasings were checked.
    assert.equal(await page.locator('[data-significance=significant]').count(), 2);
    assert.equal(await page.locator('[data-significance=not-significant]').count(), 1);
    await block0Questions();
    await page.screenshot({ path: '/tmp/ui-eval-compare.png', fullPage: true });
    await screenshot(page, 'evaluation-compare');
    // Trace B of a changed record opens.
    const key = keyOf.Peru;
    await page.locator(`.ev-cmp-scorer[data-scorer=correctness] tr[data-record-key="${key}"] a[data-trace=b]`).click();
    await page.locator('.wf-row[data-span-name="predict"]').waitFor();
    assert.equal(new URL(page.url()).pathname, `/experiments/${experimentId}/traces/${traceOf('B', key)}`);
  });

  test('a running evaluation shows progress and is cancelled from its page', async () => {
    const id = await evaluate('slow', 'slow-agent', { concurrency: 1, scorers: ['exact_match'] });
    await page.goto(base());
    const row = page.locator(`tr[data-run-id="${id}"]`);
    await row.locator('[data-progress]').waitFor();
    assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'RUNNING');
    await page.screenshot({ path: '/tmp/ui-eval-runs.png' });
    await screenshot(page, 'evaluations');
    await row.locator('.ev-run-name a').click();
    await page.locator('.ev-run [data-progress]').waitFor();
    await page.screenshot({ path: '/tmp/ui-eval-running.png' });
    await page.click('button.ev-cancel');
    await page.locator('.page-head [data-status=KILLED]').waitFor();
    await page.locator('button.ev-cancel').waitFor({ state: 'detached' });
    const s = await status(id);
    assert.equal(s.status, 'KILLED');
    assert.ok(s.progress.done < COUNTRIES.length, JSON.stringify(s.progress));
    assertNoProblems(problems);
  });

  test('a verdict links to the judge\'s own call, whose traces the list hides unless asked', async () => {
    const judgeTraces = await rest.searchAll(experimentId, { filter: "tags.`mlflow.trace.sourceScorer` IS NOT NULL" });
    assert.ok(judgeTraces.length > 0);
    const judgeIds = new Set(judgeTraces.map((t) => t.trace_id));
    const listed = async () => page.locator('tr[data-trace-id]').evaluateAll(
      (rows) => rows.map((r) => r.getAttribute('data-trace-id')));
    await page.goto(`${server.url}/experiments/${experimentId}?size=200`);
    await page.locator('tr[data-trace-id]').first().waitFor();
    const plain = await listed();
    assert.ok(plain.length > 0 && plain.every((id) => !judgeIds.has(id)), 'judge calls are hidden by default');
    await page.click('input[name=judges]');
    await page.waitForFunction((id) => !!document.querySelector(`tr[data-trace-id="${id}"]`), judgeTraces[0].trace_id);
    assert.ok((await listed()).some((id) => judgeIds.has(id)));

    // A record's correctness verdict: "judge call" opens the judge's trace, its prompt and answer.
    const rec = records.A.records.find((r) => r.record_key === keyOf.France);
    await page.goto(`${server.url}/experiments/${experimentId}/traces/${rec.trace_id}`);
    await page.click('.tv-assess button:has-text("annotate")');
    const item = page.locator('.assess-item', { hasText: 'correctness' });
    await item.locator('a[data-judge-trace]').click();
    const judgeId = await page.evaluate(() => decodeURIComponent(location.pathname.split('/').pop()));
    assert.ok(judgeIds.has(judgeId), judgeId);
    await page.locator('text=judge: correctness').first().waitFor();
    await page.locator('text=What is the capital of France').first().waitFor();
    assertNoProblems(problems);
  });

  test('a run made by mlflow.genai.evaluate is listed and opens with its aggregates', async () => {
    // What MLflow's client writes: a run of type genai_evaluate with <name>/mean metrics, and
    // feedback on the scored traces carrying mlflow.assessment.sourceRunId.
    const created = await rest.ok('POST', '/api/2.0/mlflow/runs/create', {
      experiment_id: experimentId, run_name: 'genai-run', start_time: Date.now(),
      tags: [{ key: 'mlflow.runType', value: 'genai_evaluate' }] });
    const runId = created.run.info.run_id;
    const recs = await rest.ok('GET', `/api/2.0/tracelake/evaluations/${runs.A}/records`);
    const scored = recs.records.slice(0, 3);
    for (const [i, rec] of scored.entries()) {
      await rest.ok('POST', `/api/3.0/mlflow/traces/${rec.trace_id}/assessments`, { assessment: {
        trace_id: rec.trace_id, assessment_name: 'polite',
        source: { source_type: 'CODE', source_id: 'polite' },
        feedback: { value: i !== 0 }, metadata: { 'mlflow.assessment.sourceRunId': runId } } });
    }
    await rest.ok('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'polite/mean', value: 2 / 3, timestamp: Date.now() });
    await rest.ok('POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });

    await page.goto(base());
    const row = page.locator(`table.ev-runs tr[data-run-id="${runId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /mlflow\.genai\.evaluate/);
    assert.match(await row.locator('.ev-chip[data-scorer=polite]').innerText(), /mean 0\.667/);
    await row.locator('.ev-run-name a').click();
    const agg = page.locator('table.ev-agg tr[data-scorer="polite"]');
    await agg.waitFor();
    assert.equal(await agg.locator('[data-count=yes]').innerText(), '2');
    assert.equal(await agg.locator('[data-count=no]').innerText(), '1');
    const [lo, hi] = wilson(2, 3);
    assert.equal(await agg.locator('[data-ci]').innerText(), `${pct(lo)} – ${pct(hi)}`);
    assert.equal((await shownKeys()).length, 3);
    assertNoProblems(problems);
  });

  test('a judge is registered and turned on for live traces from the page, then stopped', async () => {
    await page.goto(base());
    await page.click('button[data-action=add-judge]');
    await page.fill('input[name=judge-name]', 'bad name');
    await page.click('form.ev-add-judge button[type=submit]');
    assert.match(await page.locator('[data-error=add-judge]').innerText(), /letters, digits/);
    await page.fill('input[name=judge-name]', 'live_fluency');
    await page.selectOption('select[name=judge-class]', 'Fluency');
    await page.click('form.ev-add-judge button[type=submit]');
    const row = page.locator('tr[data-scorer=live_fluency]');
    await row.locator('[data-online=off]').waitFor();
    await row.locator('input[name=sample-percent]').fill('100');
    await row.locator('button[data-action=save-online]').click();
    await row.locator('[data-online=on]').waitFor();
    const scorers = (await rest.ok('GET', `/api/3.0/mlflow/scorers/list?experiment_id=${experimentId}`)).scorers;
    const id = scorers.find((x) => x.scorer_name === 'live_fluency').scorer_id;
    const cfg = async () => (await rest.ok('GET', `/api/3.0/mlflow/scorers/online-configs?scorer_ids=${id}`)).configs[0];
    assert.equal((await cfg()).sample_rate, 1);

    // A live trace arrives; the worker scores it and the page counts it.
    const traceHex = crypto.randomBytes(16).toString('hex');
    const now = Date.now();
    const r = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': experimentId },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{
        traceId: Buffer.from(traceHex, 'hex').toString('base64'), spanId: crypto.randomBytes(8).toString('base64'),
        name: 'answer', kind: 1, startTimeUnixNano: String((now - 10) * 1e6), endTimeUnixNano: String(now * 1e6),
        attributes: [
          { key: 'mlflow.spanInputs', value: { stringValue: '{"question": "What is the capital of France?"}' } },
          { key: 'mlflow.spanOutputs', value: { stringValue: '"Paris"' } }] }] }] }] }),
    });
    assert.equal(r.status, 200);
    await page.locator('[data-online-status] [data-traces-scored="1"]').waitFor();
    const t = await rest.ok('GET', `/api/3.0/mlflow/traces/tr-${traceHex}`);
    assert.ok((t.trace.trace_info.assessments ?? []).some((a) => a.assessment_name === 'live_fluency'));

    await row.locator('button[data-action=stop-online]').click();
    await row.locator('[data-online=off]').waitFor();
    assert.equal((await cfg()).sample_rate, 0);
    await page.screenshot({ path: '/tmp/ui-online.png' });
    assertNoProblems(problems);
  });
});
