"""mlflow.genai.evaluate with code scorers (@scorer functions, no LLM), over static outputs and
with a predict_fn, against tracelake: the run it
creates (genai_evaluate run type, the dataset input, per-scorer `<name>/mean` metrics, FINISHED),
one trace per record linked to the run (`mlflow.sourceRun`, searchable by run_id), and each
verdict stored on its trace as a feedback assessment carrying `mlflow.assessment.sourceRunId`.
Also records every REST call the client makes, so a call tracelake fails is named."""

import requests
from client_test_util import run, setup

import mlflow
from mlflow.genai.scorers import scorer

client, exp_id = setup("client-evaluate")
state = {}

calls = []
_request = requests.Session.request


def _recording_request(self, method, url, *args, **kwargs):
    response = _request(self, method, url, *args, **kwargs)
    calls.append((method, url.split("?")[0], response.status_code))
    return response


requests.Session.request = _recording_request


@scorer
def exact(outputs, expectations):
    return outputs == expectations["expected"]


@scorer
def length(outputs):
    return len(str(outputs))


DATA = [
    {"inputs": {"q": "2+2"}, "outputs": "4", "expectations": {"expected": "4"}},
    {"inputs": {"q": "3+3"}, "outputs": "7", "expectations": {"expected": "6"}},
]


def test_evaluate_static_outputs_with_code_scorers():
    result = mlflow.genai.evaluate(data=DATA, scorers=[exact, length])
    state["run_id"] = result.run_id
    assert result.metrics == {"exact/mean": 0.5, "length/mean": 1.0}, result.metrics
    failed = [c for c in calls if c[2] >= 400]
    assert not failed, f"calls tracelake failed: {failed}"


def test_the_run_holds_metrics_tags_and_dataset():
    r = mlflow.get_run(state["run_id"])
    assert r.info.status == "FINISHED", r.info.status
    assert r.data.metrics == {"exact/mean": 0.5, "length/mean": 1.0}, r.data.metrics
    assert r.data.tags["mlflow.runType"] == "genai_evaluate", r.data.tags
    inputs = r.inputs.dataset_inputs
    assert len(inputs) == 1 and inputs[0].dataset.source_type == "code", inputs
    found = mlflow.search_runs(experiment_ids=[exp_id],
                               filter_string="tags.`mlflow.runType` = 'genai_evaluate'")
    assert list(found["run_id"]) == [state["run_id"]], found


def test_traces_and_assessments_carry_the_run():
    traces = mlflow.search_traces(run_id=state["run_id"], return_type="list")
    assert len(traces) == 2, traces
    verdicts = {}
    for t in traces:
        assert t.info.trace_metadata.get("mlflow.sourceRun") == state["run_id"]
        for a in t.info.assessments:
            assert a.metadata.get("mlflow.assessment.sourceRunId") == state["run_id"], a
            if a.name == "exact":
                verdicts[t.data.request if t.data.request else t.info.trace_id] = a.value
    assert sorted(verdicts.values()) == [False, True], verdicts


def test_evaluate_with_predict_fn():
    def predict(q):
        return {"2+2": "4", "3+3": "7"}[q]

    data = [{"inputs": d["inputs"], "expectations": d["expectations"]} for d in DATA]
    result = mlflow.genai.evaluate(data=data, predict_fn=predict, scorers=[exact])
    assert result.metrics == {"exact/mean": 0.5}, result.metrics
    traces = mlflow.search_traces(run_id=result.run_id, return_type="list")
    assert len(traces) == 2, traces
    assert all(t.data.spans for t in traces), "the agent's spans are stored"
    failed = [c for c in calls if c[2] >= 400]
    assert not failed, f"calls tracelake failed: {failed}"


def test_evaluate_existing_traces():
    # Traces an instrumented app produced earlier, scored where they are: MLflow's client reads
    # them with search_traces and stores each verdict on the original trace.
    @mlflow.trace(name="answer")
    def answer(q):
        return {"capital of France": "Paris", "capital of Peru": "Quito"}[q]

    with mlflow.start_run(run_name="production") as prod:
        answer("capital of France")
        answer("capital of Peru")
    originals = mlflow.search_traces(run_id=prod.info.run_id, return_type="list")
    assert len(originals) == 2, originals

    @scorer
    def says_paris(outputs):
        return "Paris" in str(outputs)

    data = mlflow.search_traces(run_id=prod.info.run_id)
    result = mlflow.genai.evaluate(data=data, scorers=[says_paris])
    assert result.metrics == {"says_paris/mean": 0.5}, result.metrics
    by_output = {}
    for t in originals:
        full = mlflow.get_trace(t.info.trace_id)
        mine = [a for a in full.info.assessments if a.name == "says_paris"]
        assert len(mine) == 1, full.info.assessments
        assert mine[0].metadata.get("mlflow.assessment.sourceRunId") == result.run_id, mine[0]
        by_output[full.data.response] = mine[0].value
    assert sorted(by_output.values()) == [False, True], by_output
    # tracelake's evaluation API reads the same run: counts and the Wilson interval.
    status = requests.get(f"{mlflow.get_tracking_uri()}/api/2.0/tracelake/evaluations/{result.run_id}",
                          timeout=30).json()
    s = [x for x in status["scorers"] if x["name"] == "says_paris"]
    assert s and (s[0]["yes"], s[0]["no"], s[0]["unknown"]) == (1, 1, 0), status
    failed = [c for c in calls if c[2] >= 400]
    assert not failed, f"calls tracelake failed: {failed}"


run([
    test_evaluate_static_outputs_with_code_scorers,
    test_the_run_holds_metrics_tags_and_dataset,
    test_traces_and_assessments_carry_the_run,
    test_evaluate_with_predict_fn,
    test_evaluate_existing_traces,
])
