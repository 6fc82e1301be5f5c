// Evaluation runs end to end (docs/evaluation.md): a dataset imported with `tracelake datasets`,
// `tracelake eval run` asking an agent stand-in (an OpenAI-compatible chat endpoint that exports
// its own span with the traceparent it received) for each record, a code scorer and an LLM judge
// (a scripted OpenAI-compatible stand-in behind OPENAI_BASE_URL, the same client code that talks
// to a real provider), aggregates with Wilson intervals, two agents compared record by record
// (McNemar), and an interrupted run continued with --run-id. Every expected number is computed
// here from the records and the stand-ins' rules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, tracelakeBinary } from '../lib/server.js';
import { RestClient } from '../lib/rest.js';
import { binomTail, listen, readBody, sendJson, wilson } from '../lib/eval_standins.js';

const execFileP = promisify(execFile);

async function tracelake(...args) {
  return tracelakeWithEnv({}, ...args);
}

async function tracelakeWithEnv(env, ...args) {
  try {
    const { stdout, stderr } = await execFileP(tracelakeBinary(), args,
      { timeout: 120000, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Capitals the records ask about; agent B gets the ones in WRONG_FOR_B wrong.
const CAPITALS = {
  France: 'Paris', Peru: 'Lima', Japan: 'Tokyo', Kenya: 'Nairobi', Chile: 'Santiago',
  Egypt: 'Cairo', Spain: 'Madrid', Italy: 'Rome', Norway: 'Oslo', Ghana: 'Accra',
  Cuba: 'Havana', Nepal: 'Kathmandu',
};
const COUNTRIES = Object.keys(CAPITALS);
const WRONG_FOR_B = new Set(['Peru', 'Japan', 'Kenya', 'Chile', 'Egypt', 'Spain', 'Italy', 'Norway']);
// One record has an expectation the good agent misses too (its answer is not the expected one).
const EXPECTED = Object.fromEntries(COUNTRIES.map((c) => [c, CAPITALS[c]]));
EXPECTED.Nepal = 'Kathmandu, Nepal';

const hexToBase64 = (hex) => Buffer.from(hex, 'hex').toString('base64');

describe('evaluation runs', () => {
  let server, rest, judge, agents, dataDir, datasetId, experimentId;
  const judgeCalls = { n: 0 };
  const traceparents = [];

  // An agent stand-in: answers a chat request, and exports a child span of the traceparent it
  // received to tracelake over OTLP/HTTP JSON, as an instrumented agent does.
  function makeAgent(name, { wrong = new Set(), delayMs = 0 } = {}) {
    return listen(async (req, res) => {
      const body = JSON.parse(await readBody(req));
      const question = body.messages.at(-1).content;
      const country = COUNTRIES.find((c) => question.includes(c));
      const answer = country && !wrong.has(country) ? CAPITALS[country] : 'I am not sure';
      const tp = req.headers.traceparent;
      traceparents.push(tp);
      const [, traceHex, parentHex] = tp.split('-');
      const now = Date.now();
      const span = {
        traceId: hexToBase64(traceHex), spanId: hexToBase64(traceHex.slice(0, 16)),
        parentSpanId: hexToBase64(parentHex), name: `${name}-llm`, kind: 3,
        startTimeUnixNano: String((now - 5) * 1e6), endTimeUnixNano: String(now * 1e6),
        attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
      };
      await fetch(`${server.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': experimentId },
        body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }] }),
      });
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      sendJson(res, { choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] });
    });
  }

  before(async () => {
    // The judge: "yes" when the answer under judgement names the expected capital.
    judge = await listen(async (req, res) => {
      const body = JSON.parse(await readBody(req));
      judgeCalls.n++;
      const prompt = body.messages.map((m) => m.content).join('\n');
      const capital = Object.values(CAPITALS).find((c) => prompt.includes(`I am not sure`) ? false : prompt.includes(c));
      const verdict = capital ? 'yes' : 'no';
      sendJson(res, {
        choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify({ result: verdict, rationale: `judged ${verdict}` }) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      });
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-eval-'));
    // A command scorer from the server's own configuration: reads the record, answers a verdict.
    const scorersConfig = path.join(dataDir, 'scorers.json');
    fs.writeFileSync(scorersConfig, JSON.stringify({ scorers: [{
      name: 'shell_ok', timeout_seconds: 10,
      command: ['/bin/sh', '-c', 'grep -q capital && echo \'{"value": true, "rationale": "saw the question"}\''],
    }] }));
    server = await startServer({
      grpc: false,
      extraArgs: ['--scorers-config', scorersConfig],
      env: {
        OPENAI_BASE_URL: `http://127.0.0.1:${judge.address().port}/v1`, OPENAI_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: '', ANTHROPIC_API_KEY: '',  // no Anthropic credentials, whatever CI has
      },
    });
    rest = new RestClient(server.url);
    experimentId = await rest.createExperiment('evaluation-e2e');
    agents = {
      good: await makeAgent('good'),
      bad: await makeAgent('bad', { wrong: WRONG_FOR_B }),
      slow: await makeAgent('slow', { delayMs: 400 }),
    };
    const file = path.join(dataDir, 'records.jsonl');
    fs.writeFileSync(file, COUNTRIES.map((c) => JSON.stringify({
      inputs: { question: `What is the capital of ${c}?` },
      expectations: { expected_response: EXPECTED[c] },
    })).join('\n') + '\n');
    const created = await tracelake('datasets', 'create', 'capitals', '--server', server.url,
      '--experiment-ids', experimentId);
    assert.equal(created.code, 0, created.stderr);
    datasetId = created.stdout.trim();
    const imported = await tracelake('datasets', 'import', datasetId, file, '--server', server.url);
    assert.equal(imported.code, 0, imported.stderr);
  });

  after(async () => {
    await server?.stopCleanly();
    for (const s of [judge, ...Object.values(agents ?? {})]) s?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const agentUrl = (name) => `http://127.0.0.1:${agents[name].address().port}/v1/chat/completions`;
  const runEval = (agent, ...extra) => tracelake('eval', 'run', '--server', server.url,
    '--experiment', experimentId, '--dataset', datasetId, '--agent-url', agentUrl(agent),
    '--scorers', 'exact_match,correctness', ...extra);
  const runIdOf = (r) => /evaluation run ([0-9a-f]{32}) started/.exec(r.stderr)?.[1];
  const status = (id) => rest.ok('GET', `/api/2.0/tracelake/evaluations/${id}`);

  let runGood, runBad;

  test('a run over a dataset scores every record and aggregates with Wilson intervals', async () => {
    const r = await runEval('good');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    runGood = runIdOf(r);
    assert.ok(runGood, r.stderr);
    assert.match(r.stderr, /12\/12 \(100\.0%\)/);
    assert.match(r.stdout, /exact_match/);

    const s = await status(runGood);
    assert.equal(s.status, 'FINISHED');
    assert.equal(s.progress.total, COUNTRIES.length);
    const exact = s.scorers.find((x) => x.name === 'exact_match');
    const expectedYes = COUNTRIES.filter((c) => CAPITALS[c] === EXPECTED[c]).length;
    assert.equal(exact.yes, expectedYes);
    assert.equal(exact.no, COUNTRIES.length - expectedYes);
    assert.equal(exact.unknown, 0);
    const [lo, hi] = wilson(expectedYes, COUNTRIES.length);
    assert.ok(Math.abs(exact.ci_low - lo) < 1e-9 && Math.abs(exact.ci_high - hi) < 1e-9, JSON.stringify(exact));
    const judged = s.scorers.find((x) => x.name === 'correctness');
    assert.equal(judged.yes, COUNTRIES.length, JSON.stringify(judged));
    assert.ok(judgeCalls.n >= COUNTRIES.length);

    // The MLflow run carries the aggregates under MLflow's metric names.
    const run = await rest.ok('GET', `/api/2.0/mlflow/runs/get?run_id=${runGood}`);
    const metrics = Object.fromEntries(run.run.data.metrics.map((m) => [m.key, m.value]));
    assert.ok(Math.abs(metrics['exact_match/mean'] - expectedYes / COUNTRIES.length) < 1e-12);
    assert.equal(metrics['correctness/mean'], 1);
    assert.equal(run.run.info.status, 'FINISHED');
  });

  test('each record has its own trace, joined by the agent\'s span through traceparent', async () => {
    const recs = await rest.ok('GET', `/api/2.0/tracelake/evaluations/${runGood}/records`);
    assert.equal(recs.records.length, COUNTRIES.length);
    const traceIds = new Set(recs.records.map((r) => r.trace_id));
    assert.equal(traceIds.size, COUNTRIES.length);
    const one = recs.records[0];
    assert.deepEqual(one.feedback.map((f) => f.name).sort(), ['correctness', 'exact_match']);
    const hex = one.trace_id.slice(3);
    let trace;
    for (let i = 0; i < 50; i++) {
      trace = await rest.getTrace(hex);
      if (trace.spans.length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(trace.spans.length, 2, JSON.stringify(trace.spans.map((s) => s.name)));
    const root = trace.spans.find((s) => s.name === 'predict');
    const child = trace.spans.find((s) => s.name === 'good-llm');
    assert.ok(root && child);
    assert.equal(child.parentSpanId, root.spanId);
    assert.equal(trace.info.trace_metadata['mlflow.sourceRun'], runGood);
    // The feedback is an MLflow assessment tied to the run.
    const assessments = trace.info.assessments ?? [];
    assert.ok(assessments.some((a) => a.metadata?.['mlflow.assessment.sourceRunId'] === runGood),
      JSON.stringify(assessments).slice(0, 400));
    // The judge's own call is a trace of its own, linked from its verdict (MLflow's
    // mlflow.assessment.scorerTraceId), tagged with the scorer (mlflow.trace.sourceScorer).
    const judged = assessments.find((a) => a.assessment_name === 'correctness');
    const judgeTraceId = judged?.metadata?.['mlflow.assessment.scorerTraceId'];
    assert.match(judgeTraceId ?? '', /^tr-[0-9a-f]{32}$/, JSON.stringify(judged));
    const jt = await rest.getTrace(judgeTraceId.slice(3));
    assert.equal(jt.info.tags['mlflow.trace.sourceScorer'], 'correctness');
    assert.equal(jt.spans.length, 1);
    assert.equal(jt.spans[0].name, 'judge: correctness');
    const spanText = JSON.stringify(jt.spans[0], (k, v) => (typeof v === 'bigint' ? String(v) : v));
    assert.ok(spanText.includes('What is the capital of'), spanText.slice(0, 400));
    assert.ok(spanText.includes('judged yes'), spanText.slice(0, 400));
    // MLflow's run_id search filter finds the run's traces.
    const found = await rest.searchAll(experimentId, { filter: `run_id = '${runGood}'` });
    assert.equal(found.length, COUNTRIES.length);
  });

  test('two runs compare record by record, and a real regression is more than noise', async () => {
    const r = await runEval('bad');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    runBad = runIdOf(r);
    const cmp = await rest.ok('GET', `/api/2.0/tracelake/evaluations/compare?run_a=${runGood}&run_b=${runBad}`);
    const correctness = cmp.scorers.find((s) => s.name === 'correctness');
    assert.equal(correctness.yes_to_no, WRONG_FOR_B.size);
    assert.equal(correctness.no_to_yes, 0);
    assert.equal(correctness.changed.length, WRONG_FOR_B.size);
    const p = Math.min(1, 2 * binomTail(0, WRONG_FOR_B.size));
    assert.ok(Math.abs(correctness.p_value - p) < 1e-12, `${correctness.p_value} vs ${p}`);
    assert.equal(correctness.significant, p < 0.05);
    const exact = cmp.scorers.find((s) => s.name === 'exact_match');
    const lost = COUNTRIES.filter((c) => WRONG_FOR_B.has(c) && CAPITALS[c] === EXPECTED[c]).length;
    assert.equal(exact.yes_to_no, lost);

    const table = await tracelake('eval', 'compare', runGood, runBad, '--server', server.url);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /correctness.*changed \(more than noise\)/);

    // The run's records filtered by verdict, a page at a time, and the same from the CLI.
    const failedKeys = async (extra) => {
      const out = [];
      let token = '';
      do {
        const page = await rest.ok('GET', `/api/2.0/tracelake/evaluations/${runBad}/records?scorer=correctness&verdict=no&max_results=3${token ? `&page_token=${token}` : ''}${extra}`);
        assert.ok(page.records.length <= 3);
        assert.equal(page.total, WRONG_FOR_B.size);
        out.push(...page.records);
        token = page.next_page_token ?? '';
      } while (token);
      return out;
    };
    const failed = await failedKeys('');
    assert.equal(failed.length, WRONG_FOR_B.size);
    assert.equal(new Set(failed.map((r) => r.record_key)).size, WRONG_FOR_B.size);
    for (const rec of failed)
      assert.equal(rec.feedback.find((f) => f.name === 'correctness').verdict, 'no', JSON.stringify(rec));
    const cli = await tracelake('eval', 'records', runBad, '--server', server.url, '--verdict', 'no', '--scorer', 'correctness');
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).records.map((r) => r.record_key).sort(),
      failed.map((r) => r.record_key).sort());
    const badVerdict = await rest.request('GET', `/api/2.0/tracelake/evaluations/${runBad}/records?verdict=maybe`);
    assert.equal(badVerdict.status, 400, badVerdict.text);
    const badToken = await rest.request('GET', `/api/2.0/tracelake/evaluations/${runBad}/records?page_token=abc`);
    assert.equal(badToken.status, 400, badToken.text);
  });

  test('an interrupted run continues with --run-id without redoing finished records', async () => {
    const started = await tracelake('eval', 'run', '--server', server.url, '--experiment', experimentId,
      '--dataset', datasetId, '--agent-url', agentUrl('slow'), '--scorers', 'exact_match',
      '--concurrency', '1', '--no-follow');
    assert.equal(started.code, 0, started.stderr);
    const id = started.stdout.trim();
    for (let i = 0; i < 100; i++) {
      const s = await status(id);
      if (s.progress.done >= 2) {
        // While it runs: the aggregates so far (from the stored feedback) and the run's spec.
        const ex = s.scorers.find((x) => x.name === 'exact_match');
        assert.ok(ex && ex.yes + ex.no + ex.unknown === s.records_scored && s.records_scored >= 2, JSON.stringify(s));
        assert.equal(s.spec?.dataset_id, datasetId, JSON.stringify(s));
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const cancelled = await tracelake('eval', 'cancel', id, '--server', server.url);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    let s;
    for (let i = 0; i < 100; i++) {
      s = await status(id);
      if (s.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(s.status, 'KILLED');
    const doneBefore = s.progress.done;
    assert.ok(doneBefore >= 2 && doneBefore < COUNTRIES.length, JSON.stringify(s.progress));

    const resumed = await tracelake('eval', 'run', '--server', server.url, '--run-id', id);
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    const after = await status(id);
    assert.equal(after.status, 'FINISHED');
    assert.equal(after.progress.resumed, doneBefore);
    assert.equal(after.progress.done, COUNTRIES.length - doneBefore);
    const recs = await rest.ok('GET', `/api/2.0/tracelake/evaluations/${id}/records`);
    assert.equal(recs.records.length, COUNTRIES.length);
    for (const rec of recs.records) assert.equal(rec.feedback.length, 1, JSON.stringify(rec));
  });

  test('a command scorer from the server\'s configuration scores each record', async () => {
    const r = await tracelake('eval', 'run', '--server', server.url, '--experiment', experimentId,
      '--dataset', datasetId, '--agent-url', agentUrl('good'),
      '--scorers-json', JSON.stringify([{ server_scorer: 'shell_ok' }]));
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const s = await status(runIdOf(r));
    assert.deepEqual(s.scorers.map((x) => [x.name, x.yes, x.no, x.unknown]),
      [['shell_ok', COUNTRIES.length, 0, 0]]);
    // A request can only name such a scorer, never define one.
    const unknown = await rest.request('POST', '/api/2.0/tracelake/evaluations', {
      experiment_id: experimentId, dataset_id: datasetId, scorers: [{ server_scorer: 'rm_rf' }] });
    assert.equal(unknown.status, 404, unknown.text);
    assert.match(unknown.body.message, /configured on this server/);
  });

  test('the CLI\'s own provider credentials reach the judges for that run only', async () => {
    // A second judge stand-in, known only to the CLI's environment.
    const seen = [];
    const cliJudge = await listen(async (req, res) => {
      await readBody(req);
      seen.push(req.headers.authorization);
      sendJson(res, {
        choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify({ result: 'no', rationale: 'cli judge' }) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      });
    });
    try {
      const cliEnv = { OPENAI_BASE_URL: `http://127.0.0.1:${cliJudge.address().port}/v1`, OPENAI_API_KEY: 'cli-secret-key' };
      const args = ['eval', 'run', '--server', server.url, '--experiment', experimentId,
        '--dataset', datasetId, '--agent-url', agentUrl('good'), '--scorers', 'fluency', '--concurrency', '4'];
      const r = await tracelakeWithEnv(cliEnv, ...args);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /judge credentials from this environment: OPENAI_API_KEY, OPENAI_BASE_URL/);
      assert.ok(!r.stderr.includes('cli-secret-key'));
      assert.equal(seen.length, COUNTRIES.length);
      assert.ok(seen.every((h) => h === 'Bearer cli-secret-key'), JSON.stringify(seen));
      const s = await status(runIdOf(r));
      assert.deepEqual(s.scorers.map((x) => [x.name, x.yes, x.no, x.unknown]), [['fluency', 0, COUNTRIES.length, 0]]);
      // The run's stored spec (its MLflow tags) never holds the credentials.
      assert.ok(!JSON.stringify(s).includes('cli-secret-key'));
      const run = await rest.ok('GET', `/api/2.0/mlflow/runs/get?run_id=${runIdOf(r)}`);
      assert.ok(!JSON.stringify(run).includes('cli-secret-key'));

      // --server-credentials: the server's own judge answers (and says yes to the good agent).
      const callsBefore = judgeCalls.n;
      const own = await tracelakeWithEnv(cliEnv, ...args, '--server-credentials');
      assert.equal(own.code, 0, own.stderr);
      assert.equal(seen.length, COUNTRIES.length);
      assert.equal(judgeCalls.n - callsBefore, COUNTRIES.length);

      // Only provider variables may be passed, and the error does not echo values.
      const bad = await rest.request('POST', '/api/2.0/tracelake/evaluations', {
        experiment_id: experimentId, dataset_id: datasetId, scorers: ['fluency'],
        judge_credentials: { LD_PRELOAD: '/tmp/x.so' } });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.body.message, /may only hold OPENAI_API_KEY/);
    } finally {
      cliJudge.close();
    }
  });

  test('bad requests get a clear error and start nothing', async () => {
    const runsBefore = (await rest.ok('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [experimentId] })).runs.length;
    let r = await tracelake('eval', 'run', '--server', server.url, '--experiment', experimentId,
      '--dataset', datasetId, '--scorers', 'no_such_scorer');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown scorer 'no_such_scorer'/);
    r = await tracelake('eval', 'run', '--server', server.url, '--experiment', experimentId,
      '--dataset', 'd-00000000000000000000000000000000', '--scorers', 'exact_match');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RESOURCE_DOES_NOT_EXIST/);
    const bad = await rest.request('POST', '/api/2.0/tracelake/evaluations', {
      experiment_id: experimentId, dataset_id: datasetId, scorers: ['exact_match'],
      agent: { url: 'ftp://nowhere' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE');
    const tmpl = await rest.request('POST', '/api/2.0/tracelake/evaluations', {
      experiment_id: experimentId, dataset_id: datasetId,
      scorers: [{ instructions: 'Is this good?' }] });
    assert.equal(tmpl.status, 400, tmpl.text);
    // A judge model the server has no credentials for: the error names the variable to set.
    const noKey = await rest.request('POST', '/api/2.0/tracelake/evaluations', {
      experiment_id: experimentId, dataset_id: datasetId,
      scorers: [{ name: 'correctness', model: 'anthropic:/claude-test' }] });
    assert.equal(noKey.status, 400, noKey.text);
    assert.match(noKey.body.message, /ANTHROPIC_API_KEY/);
    const runsAfter = (await rest.ok('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [experimentId] })).runs.length;
    assert.equal(runsAfter, runsBefore);
  });
});
