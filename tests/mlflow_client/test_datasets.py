"""Evaluation datasets with MLflow's client: mlflow.genai.datasets.create_dataset, merge_records
(dicts, a DataFrame, traces), get_dataset (by id and by name), search_datasets, tags,
experiment links, to_df() and delete_dataset; values read back as they were written."""

import uuid

import pandas as pd
from client_test_util import run, setup

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.genai import datasets
from mlflow.tracking._tracking_service.utils import _get_store

client, exp_id = setup("client-datasets")
state = {}


def test_create_and_get():
    name = f"qa-{uuid.uuid4().hex[:8]}"
    ds = datasets.create_dataset(name=name, experiment_id=exp_id, tags={"team": "support"})
    assert ds.dataset_id.startswith("d-") and len(ds.dataset_id) == 34, ds.dataset_id
    assert ds.name == name
    state["id"], state["name"] = ds.dataset_id, name
    got = datasets.get_dataset(dataset_id=ds.dataset_id)
    assert got.name == name
    assert got.tags.get("team") == "support", got.tags
    assert exp_id in got.experiment_ids, got.experiment_ids
    by_name = datasets.get_dataset(name=name)
    assert by_name.dataset_id == ds.dataset_id


def test_merge_dicts_dedupes_and_merges():
    ds = datasets.get_dataset(dataset_id=state["id"])
    ds.merge_records([
        {"inputs": {"question": "What is MLflow?"}, "expectations": {"answer": "A platform"}},
        {"inputs": {"question": "What is tracing?", "lang": "en"}, "outputs": "Spans",
         "tags": {"split": "dev"}},
    ])
    # The same inputs again: merged into the stored record, not added.
    ds.merge_records([{"inputs": {"question": "What is MLflow?"},
                       "expectations": {"facts": ["open source"]}}])
    df = datasets.get_dataset(dataset_id=state["id"]).to_df()
    assert len(df) == 2, df
    first = df[df["inputs"].apply(lambda i: i == {"question": "What is MLflow?"})].iloc[0]
    assert first["expectations"] == {"answer": "A platform", "facts": ["open source"]}, first
    assert first["source_type"] == "HUMAN", first["source_type"]
    second = df[df["inputs"].apply(lambda i: i.get("lang") == "en")].iloc[0]
    assert second["outputs"] == "Spans", second["outputs"]
    assert second["tags"].get("split") == "dev", second["tags"]


def test_merge_dataframe():
    ds = datasets.get_dataset(dataset_id=state["id"])
    frame = pd.DataFrame([
        {"inputs": {"question": f"Q{i}"}, "expectations": {"answer": f"A{i}"}} for i in range(5)
    ])
    ds.merge_records(frame)
    got = datasets.get_dataset(dataset_id=state["id"])
    df = got.to_df()
    assert len(df) == 7, len(df)
    answers = {r["inputs"]["question"]: r["expectations"]["answer"]
               for _, r in df.iterrows() if r["inputs"]["question"].startswith("Q")}
    assert answers == {f"Q{i}": f"A{i}" for i in range(5)}, answers
    assert got.profile and '"num_records"' in got.profile and "7" in got.profile, got.profile
    assert got.schema and "question" in got.schema, got.schema
    assert got.digest and len(got.digest) == 8, got.digest


@mlflow.trace
def agent(question):
    return f"answer to {question}"


def test_merge_traces():
    agent("capital of France?")
    trace_id = mlflow.get_last_active_trace_id()
    mlflow.log_expectation(trace_id=trace_id, name="expected", value="Paris")
    trace = mlflow.get_trace(trace_id)
    name = f"traces-{uuid.uuid4().hex[:8]}"
    ds = datasets.create_dataset(name=name, experiment_id=exp_id)
    ds.merge_records([trace])
    df = datasets.get_dataset(dataset_id=ds.dataset_id).to_df()
    assert len(df) == 1, df
    row = df.iloc[0]
    assert row["inputs"] == {"question": "capital of France?"}, row["inputs"]
    assert row["outputs"] == "answer to capital of France?", row["outputs"]
    assert row["expectations"] == {"expected": "Paris"}, row["expectations"]
    assert row["source_type"] == "TRACE" and row["source_id"] == trace_id, row
    state["trace_ds"] = ds.dataset_id


def test_search_tags_and_experiments():
    found = datasets.search_datasets(experiment_ids=[exp_id])
    ids = {d.dataset_id for d in found}
    assert {state["id"], state["trace_ds"]} <= ids, ids
    named = datasets.search_datasets(filter_string=f"name = '{state['name']}'")
    assert [d.dataset_id for d in named] == [state["id"]]
    paged = client.search_datasets(experiment_ids=[exp_id], max_results=1)
    assert len(paged) == 1 and paged.token, paged
    datasets.set_dataset_tags(dataset_id=state["id"], tags={"stage": "prod"})
    datasets.delete_dataset_tag(dataset_id=state["id"], key="team")
    tags = datasets.get_dataset(dataset_id=state["id"]).tags
    assert tags.get("stage") == "prod" and "team" not in tags, tags
    other = mlflow.create_experiment(f"ds-other-{uuid.uuid4().hex[:8]}")
    ds = datasets.add_dataset_to_experiments(dataset_id=state["id"], experiment_ids=[other])
    assert set(ds.experiment_ids) == {exp_id, other}, ds.experiment_ids
    ds = datasets.remove_dataset_from_experiments(dataset_id=state["id"], experiment_ids=[other])
    assert ds.experiment_ids == [exp_id], ds.experiment_ids


def test_errors_and_delete():
    # The client checks records itself first, so the server's check is reached through the store.
    store = _get_store()
    try:
        store.upsert_dataset_records(state["id"], [{"inputs": {"q": 1}}, {"inputs": "text"}])
        raise AssertionError("no error")
    except MlflowException as e:
        assert e.error_code == "INVALID_PARAMETER_VALUE", e.error_code
    assert len(datasets.get_dataset(dataset_id=state["id"]).to_df()) == 7
    datasets.delete_dataset(dataset_id=state["id"])
    try:
        datasets.get_dataset(dataset_id=state["id"])
        raise AssertionError("no error")
    except MlflowException as e:
        assert e.error_code == "RESOURCE_DOES_NOT_EXIST", e.error_code


run([test_create_and_get, test_merge_dicts_dedupes_and_merges, test_merge_dataframe,
     test_merge_traces, test_search_tags_and_experiments, test_errors_and_delete])
