"""tracelake's own evaluation runs (POST /api/2.0/tracelake/evaluations, docs/evaluation.md) seen
through MLflow's client: traces logged with @mlflow.trace are scored by a code scorer on the
server, and the client reads the results as MLflow results: the run (FINISHED, `<name>/mean`
metrics), and the verdicts as feedback assessments on the traces, tied to the run by
`mlflow.assessment.sourceRunId`. tracelake-only: against MLflow's server (which has no such
route) the script says so and passes."""

import time

import requests
from client_test_util import URL, run, setup, wait_for

import mlflow

client, exp_id = setup("client-tracelake-eval")
state = {}
ANSWERS = {"capital of France?": "Paris", "capital of Peru?": "Lima", "capital of Mars?": ""}


@mlflow.trace(span_type="AGENT")
def agent(question):
    return ANSWERS[question]


def tracelake_server():
    r = requests.get(f"{URL}/api/2.0/tracelake/evaluations/{'0' * 32}", timeout=10)
    return r.status_code != 404 or "RESOURCE_DOES_NOT_EXIST" in r.text


def test_score_logged_traces_on_the_server():
    if not tracelake_server():
        print("not a tracelake server: nothing to check")
        return
    for q in ANSWERS:
        agent(q)
    wait_for(lambda: len(mlflow.search_traces(locations=[exp_id], return_type="list")) == 3,
             "the three traces")
    r = requests.post(f"{URL}/api/2.0/tracelake/evaluations", timeout=30, json={
        "experiment_id": exp_id, "traces": {"filter": ""}, "scorers": ["is_not_empty"],
        "run_name": "server-side-eval"})
    assert r.status_code == 200, r.text
    state["run_id"] = r.json()["run_id"]
    deadline = time.time() + 60
    while True:
        s = requests.get(f"{URL}/api/2.0/tracelake/evaluations/{state['run_id']}", timeout=10).json()
        if s["status"] != "RUNNING" or time.time() > deadline:
            break
        time.sleep(0.1)
    assert s["status"] == "FINISHED", s
    scorer = s["scorers"][0]
    assert (scorer["yes"], scorer["no"], scorer["unknown"]) == (2, 1, 0), scorer


def test_the_run_is_an_mlflow_run():
    if "run_id" not in state:
        return
    r = mlflow.get_run(state["run_id"])
    assert r.info.status == "FINISHED", r.info.status
    assert r.info.run_name == "server-side-eval", r.info.run_name
    assert abs(r.data.metrics["is_not_empty/mean"] - 2 / 3) < 1e-12, r.data.metrics
    assert r.data.metrics["is_not_empty/unknown"] == 0, r.data.metrics
    assert r.data.tags["tracelake.eval"] == "true", r.data.tags


def test_verdicts_are_feedback_on_the_traces():
    if "run_id" not in state:
        return
    traces = mlflow.search_traces(locations=[exp_id], return_type="list")
    seen = {}
    for t in traces:
        question = t.data.spans[0].inputs["question"]
        full = client.get_trace(t.info.trace_id)
        mine = [a for a in full.info.assessments
                if a.metadata.get("mlflow.assessment.sourceRunId") == state["run_id"]]
        assert len(mine) == 1, full.info.assessments
        fb = mine[0]
        assert fb.name == "is_not_empty", fb
        assert fb.source.source_type == "CODE", fb.source
        seen[question] = fb.value
    assert seen == {q: bool(a) for q, a in ANSWERS.items()}, seen


run([test_score_logged_traces_on_the_server, test_the_run_is_an_mlflow_run,
     test_verdicts_are_feedback_on_the_traces])
