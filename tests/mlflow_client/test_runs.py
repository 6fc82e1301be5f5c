"""Runs and registered scorers with MLflow's client: start_run with log_param / log_metric (with
steps) / set_tag / log_metrics / log_params, get_run, get_metric_history, search_runs to a
DataFrame and to a list with filters and order_by, update by ending the run, delete_run /
restore_run, errors for unknown runs and changed params, and a built-in judge's register /
list_scorers / get_scorer / start / stop / delete_scorer."""

import math
import time

from client_test_util import run, setup

import mlflow
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

client, exp_id = setup("client-runs")
state = {}


def expect_error(fn, *codes):
    try:
        fn()
    except MlflowException as e:
        assert not codes or e.error_code in codes, (e.error_code, str(e))
        return e
    raise AssertionError("no error was raised")


def test_start_run_logs_params_metrics_and_tags():
    with mlflow.start_run(run_name="baseline") as active:
        mlflow.log_param("model", "gpt-4o-mini")
        mlflow.log_params({"temperature": 0.2, "top_k": 5})
        for step, value in enumerate([0.5, 0.7, 0.9]):
            mlflow.log_metric("accuracy", value, step=step)
        mlflow.log_metrics({"latency_ms": 120.5, "nan_metric": float("nan")})
        mlflow.set_tag("team", "agents")
        mlflow.set_tags({"env": "dev"})
        state["baseline"] = active.info.run_id
    r = mlflow.get_run(state["baseline"])
    assert r.info.run_name == "baseline", r.info
    assert r.info.status == "FINISHED", r.info.status
    assert r.info.end_time and r.info.end_time >= r.info.start_time
    assert r.info.experiment_id == exp_id
    assert r.info.lifecycle_stage == "active"
    assert r.info.artifact_uri.endswith(f"/{r.info.run_id}/artifacts"), r.info.artifact_uri
    assert r.data.params == {"model": "gpt-4o-mini", "temperature": "0.2", "top_k": "5"}, r.data.params
    assert r.data.metrics["accuracy"] == 0.9
    assert r.data.metrics["latency_ms"] == 120.5
    assert math.isnan(r.data.metrics["nan_metric"])
    assert r.data.tags["team"] == "agents" and r.data.tags["env"] == "dev"
    assert r.data.tags["mlflow.runName"] == "baseline"
    # The client's own tags (source name, user) arrive through create_run.
    assert "mlflow.user" in r.data.tags, r.data.tags


def test_random_run_name_like_mlflow():
    with mlflow.start_run() as active:
        pass
    name = mlflow.get_run(active.info.run_id).info.run_name
    parts = name.split("-")
    assert len(parts) == 3 and parts[2].isdigit() and len(name) <= 20, name
    state["unnamed"] = active.info.run_id


def test_metric_history():
    history = client.get_metric_history(state["baseline"], "accuracy")
    assert [(m.step, m.value) for m in history] == [(0, 0.5), (1, 0.7), (2, 0.9)], history
    assert all(m.timestamp > 0 for m in history)
    assert client.get_metric_history(state["baseline"], "missing") == []


def test_search_runs_dataframe_and_list():
    with mlflow.start_run(run_name="worse") as active:
        mlflow.log_metric("accuracy", 0.4)
        mlflow.log_param("model", "small")
        state["worse"] = active.info.run_id
    df = mlflow.search_runs(experiment_ids=[exp_id], filter_string="metrics.accuracy > 0.5")
    assert list(df["run_id"]) == [state["baseline"]], df
    assert df["metrics.accuracy"][0] == 0.9
    assert df["params.model"][0] == "gpt-4o-mini"
    assert df["tags.team"][0] == "agents"
    assert df["status"][0] == "FINISHED"
    df = mlflow.search_runs(experiment_ids=[exp_id], order_by=["metrics.accuracy ASC"])
    assert list(df["run_id"])[:2] == [state["worse"], state["baseline"]], df["run_id"]
    runs = mlflow.search_runs(experiment_ids=[exp_id], output_format="list",
                              filter_string="params.model = 'small' and attributes.status = 'FINISHED'")
    assert [r.info.run_id for r in runs] == [state["worse"]], runs
    runs = client.search_runs([exp_id], filter_string="tags.team LIKE 'age%'")
    assert [r.info.run_id for r in runs] == [state["baseline"]]
    runs = client.search_runs([exp_id], filter_string="attributes.run_name = 'worse'")
    assert [r.info.run_id for r in runs] == [state["worse"]]
    # Paging through every run, one per page.
    page = client.search_runs([exp_id], max_results=1)
    seen = [r.info.run_id for r in page]
    while page.token:
        page = client.search_runs([exp_id], max_results=1, page_token=page.token)
        seen += [r.info.run_id for r in page]
    assert sorted(seen) == sorted([state["baseline"], state["unnamed"], state["worse"]]), seen
    expect_error(lambda: client.search_runs([exp_id], filter_string="metrics.accuracy > 'x'"),
                 "INVALID_PARAMETER_VALUE")


def test_client_run_lifecycle():
    created = client.create_run(exp_id, run_name="manual", tags={"k": "v"})
    rid = created.info.run_id
    assert created.info.status == "RUNNING"
    client.log_batch(rid, metrics=[mlflow.entities.Metric("m", 1.0, int(time.time() * 1000), 3)],
                     params=[mlflow.entities.Param("p", "1")],
                     tags=[mlflow.entities.RunTag("t", "x")])
    client.delete_tag(rid, "t")
    client.set_terminated(rid, status="FAILED")
    r = client.get_run(rid)
    assert r.info.status == "FAILED" and "t" not in r.data.tags and r.data.metrics == {"m": 1.0}
    client.update_run(rid, name="renamed")
    assert client.get_run(rid).info.run_name == "renamed"
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"
    assert rid not in [r.info.run_id for r in client.search_runs([exp_id])]
    deleted = client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [rid]
    expect_error(lambda: client.log_param(rid, "q", "1"), "INVALID_PARAMETER_VALUE")
    client.restore_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "active"


def test_errors():
    unknown = "0123456789abcdef0123456789abcdef"
    e = expect_error(lambda: mlflow.get_run(unknown), "RESOURCE_DOES_NOT_EXIST")
    assert unknown in str(e)
    expect_error(lambda: client.log_metric(unknown, "m", 1.0), "RESOURCE_DOES_NOT_EXIST")
    e = expect_error(lambda: client.log_param(state["baseline"], "model", "other"),
                     "INVALID_PARAMETER_VALUE")
    assert "Changing param values is not allowed" in str(e), str(e)
    expect_error(lambda: client.create_run("999999"), "RESOURCE_DOES_NOT_EXIST")


def test_register_builtin_scorer():
    from mlflow.genai.scorers import Safety, delete_scorer, get_scorer, list_scorers

    registered = Safety().register(name="safety_check", experiment_id=exp_id)
    assert registered.name == "safety_check"
    names = [s.name for s in list_scorers(experiment_id=exp_id)]
    assert names == ["safety_check"], names
    got = get_scorer(name="safety_check", experiment_id=exp_id)
    assert type(got).__name__ == "Safety", type(got)
    # A second registration is version 2; the client reads the latest.
    Safety().register(name="safety_check", experiment_id=exp_id)
    versions = client._tracking_client.store.list_scorer_versions(exp_id, "safety_check")
    assert [v.scorer_version for v in versions] == [1, 2], versions
    # Online scoring: start / update / stop write the sampling config the server keeps.
    from mlflow.genai.scorers import ScorerSamplingConfig

    # MLflow's own server refuses judges without an AI-gateway model here; tracelake's judges
    # call providers directly, so it accepts them (the --mlflow parity run skips this part).
    try:
        started = got.start(name="safety_check", experiment_id=exp_id,
                            sampling_config=ScorerSamplingConfig(sample_rate=0.5))
    except MlflowException as e:
        assert "gateway model" in str(e), str(e)
        print("SKIP start/stop: the server requires a gateway model", flush=True)
    else:
        assert started.sample_rate == 0.5, started.sample_rate
        listed = list_scorers(experiment_id=exp_id)[0]
        assert listed.sample_rate == 0.5 and listed.status.name == "STARTED", listed.status
        got.stop(name="safety_check", experiment_id=exp_id)
        assert list_scorers(experiment_id=exp_id)[0].status.name == "STOPPED"
    delete_scorer(name="safety_check", experiment_id=exp_id, version="all")
    assert list_scorers(experiment_id=exp_id) == []
    expect_error(lambda: get_scorer(name="safety_check", experiment_id=exp_id),
                 "RESOURCE_DOES_NOT_EXIST")


run([
    test_start_run_logs_params_metrics_and_tags,
    test_random_run_name_like_mlflow,
    test_metric_history,
    test_search_runs_dataframe_and_list,
    test_client_run_lifecycle,
    test_errors,
    test_register_builtin_scorer,
])
