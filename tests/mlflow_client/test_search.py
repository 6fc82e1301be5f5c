"""Searching traces with MLflow's client: search_traces to a DataFrame and to a list, the filter
forms MLflow's docs show, ordering, paging; the trace-metrics API; deleting traces by id and by
timestamp."""

import time

from client_test_util import run, setup

import mlflow
from mlflow.entities import SpanType
from mlflow.exceptions import MlflowException

client, exp_id = setup("client-search")
ids = {}


def make(label, name, *, tags=None, metadata=None, fail=False, sleep=0.0, span=None, text=""):
    @mlflow.trace(name=name)
    def traced(question):
        mlflow.update_current_trace(tags=tags or {}, metadata=metadata or {})
        if span:
            with mlflow.start_span(span[0], span_type=span[1]) as s:
                s.set_inputs({"q": question})
                s.set_attribute("topic", text or "none")
        if sleep:
            time.sleep(sleep)
        if fail:
            raise RuntimeError("failed on purpose")
        return f"answer {label} {text}"

    try:
        traced(f"question {label}")
    except RuntimeError:
        pass
    ids[label] = mlflow.get_last_active_trace_id()


def setup_traces():
    make("t1", "alpha", tags={"env": "prod"}, metadata={"app.version": "1"},
         span=("lookup", SpanType.TOOL), text="needle-in-haystack")
    make("t2", "beta", tags={"env": "dev"}, metadata={"app.version": "2"}, sleep=0.25,
         span=("chat", SpanType.LLM))
    make("t3", "gamma", tags={"env": "dev"}, fail=True)
    make("t4", "alpha", tags={"env": "dev"}, metadata={"mlflow.trace.session": "s-1"})
    time.sleep(0.02)
    ids["mark"] = int(time.time() * 1000)
    time.sleep(0.02)
    make("t5", "delta", tags={"env": "staging"})


def found(filter_string=None, **kw):
    traces = mlflow.search_traces(locations=[exp_id], filter_string=filter_string,
                                  return_type="list", **kw)
    by_id = {v: k for k, v in ids.items() if k != "mark"}
    return {by_id.get(t.info.trace_id, t.info.trace_id) for t in traces}


def test_search_to_dataframe():
    df = mlflow.search_traces(locations=[exp_id])
    assert len(df) == 5, len(df)
    for column in ("trace_id", "request", "response", "state", "request_time", "tags",
                   "trace_metadata", "spans", "assessments"):
        assert column in df.columns, (column, list(df.columns))
    assert set(df["trace_id"]) == {ids[f"t{i}"] for i in range(1, 6)}
    row = df[df["trace_id"] == ids["t1"]].iloc[0]
    assert row["state"] == "OK", row["state"]
    assert row["tags"]["env"] == "prod", row["tags"]
    assert len(row["spans"]) == 2, row["spans"]


def test_search_to_list_with_and_without_spans():
    traces = mlflow.search_traces(locations=[exp_id], return_type="list")
    assert len(traces) == 5
    t1 = next(t for t in traces if t.info.trace_id == ids["t1"])
    assert [s.name for s in t1.data.spans] == ["alpha", "lookup"], t1.data.spans
    assert t1.data.spans[1].attributes["topic"] == "needle-in-haystack"
    bare = mlflow.search_traces(locations=[exp_id], return_type="list", include_spans=False)
    assert len(bare) == 5 and all(len(t.data.spans) == 0 for t in bare)


def test_filter_by_status():
    assert found("trace.status = 'ERROR'") == {"t3"}
    assert found("attributes.status = 'OK'") == {"t1", "t2", "t4", "t5"}
    assert found("status != 'OK'") == {"t3"}
    assert found("trace.status IN ('ERROR', 'IN_PROGRESS')") == {"t3"}


def test_filter_by_timestamp_and_execution_time():
    mark = ids["mark"]
    assert found(f"trace.timestamp_ms > {mark}") == {"t5"}
    assert found(f"timestamp_ms <= {mark}") == {"t1", "t2", "t3", "t4"}
    assert found(f"trace.end_time_ms > {mark}") == {"t5"}
    # Durations depend on the machine's load: compare with the stored ones.
    durations = {label: client.get_trace(ids[label]).info.execution_duration
                 for label in ("t1", "t2", "t3", "t4", "t5")}
    cut = durations["t2"] - 1
    assert found(f"trace.execution_time_ms > {cut}") == \
        {k for k, v in durations.items() if v > cut}, durations
    assert found(f"execution_time <= {cut}") == {k for k, v in durations.items() if v <= cut}


def test_filter_by_tags_and_metadata():
    assert found("tags.env = 'prod'") == {"t1"}
    assert found("tag.env != 'dev'") == {"t1", "t5"}
    assert found("tags.env LIKE 'st%'") == {"t5"}
    assert found("tags.env ILIKE 'PROD'") == {"t1"}
    assert found("tags.`mlflow.traceName` = 'alpha'") == {"t1", "t4"}
    assert found("metadata.`app.version` = '1'") == {"t1"}
    assert found("request_metadata.`app.version` = '2'") == {"t2"}
    assert found("metadata.`mlflow.trace.session` = 's-1'") == {"t4"}
    assert found("metadata.`app.version` IS NULL") == {"t3", "t4", "t5"}
    assert found("metadata.`app.version` IS NOT NULL") == {"t1", "t2"}


def test_filter_by_name_id_and_text():
    assert found("trace.name = 'alpha'") == {"t1", "t4"}
    assert found("name = 'beta'") == {"t2"}
    assert found("trace.name LIKE 'al%'") == {"t1", "t4"}
    assert found(f"trace.request_id = '{ids['t5']}'") == {"t5"}
    assert found("trace.text LIKE '%needle-in-haystack%'") == {"t1"}


def test_filter_by_name_in_a_list():
    # tracelake accepts IN for trace.name, as MLflow's search grammar lists; MLflow 3.11's
    # server refuses it (trace.name becomes a tag filter, and tags take no IN).
    assert found("trace.name IN ('beta', 'gamma')") == {"t2", "t3"}


def test_filter_by_spans():
    assert found("span.name = 'lookup'") == {"t1"}
    assert found("span.type = 'LLM'") == {"t2"}
    assert found("span.type IN ('TOOL', 'LLM')") == {"t1", "t2"}
    assert found("span.name LIKE 'loo%'") == {"t1"}
    assert found("span.status = 'ERROR'") == {"t3"}
    assert found("span.attributes.topic LIKE '%needle%'") == {"t1"}


def test_combined_filters():
    assert found("tags.env = 'dev' AND trace.name = 'alpha'") == {"t4"}
    assert found(f"trace.status = 'OK' AND trace.timestamp_ms <= {ids['mark']} "
                 "AND span.type = 'TOOL'") == {"t1"}


def test_bad_filter_is_an_invalid_parameter_error():
    try:
        mlflow.search_traces(locations=[exp_id], filter_string="trace.nope = 1")
    except MlflowException as e:
        assert e.error_code == "INVALID_PARAMETER_VALUE", e.error_code
    else:
        raise AssertionError("a bad filter was accepted")


def test_ordering():
    order = ["t1", "t2", "t3", "t4", "t5"]
    def ordered(*order_by):
        traces = mlflow.search_traces(locations=[exp_id], order_by=list(order_by),
                                      return_type="list", include_spans=False)
        by_id = {v: k for k, v in ids.items() if k != "mark"}
        return [by_id[t.info.trace_id] for t in traces]
    assert ordered("timestamp_ms ASC") == order
    assert ordered("trace.timestamp_ms DESC") == order[::-1]
    assert ordered() == order[::-1], "newest first by default"
    by_duration = ordered("execution_time_ms DESC")
    durations = [client.get_trace(ids[k]).info.execution_duration for k in by_duration]
    assert durations == sorted(durations, reverse=True), (by_duration, durations)
    assert ordered("status ASC", "timestamp_ms ASC")[0] == "t3"  # ERROR < OK
    names = ordered("name ASC", "timestamp_ms ASC")
    assert names == ["t1", "t4", "t2", "t5", "t3"], names


def test_paging():
    seen = []
    token = None
    pages = 0
    while True:
        page = client.search_traces(locations=[exp_id], max_results=2,
                                    order_by=["timestamp_ms ASC"], page_token=token)
        pages += 1
        seen += [t.info.trace_id for t in page]
        assert len(page) <= 2
        token = page.token
        if not token:
            break
        assert pages < 10, "paging does not end"
    assert pages == 3, pages
    assert seen == [ids[f"t{i}"] for i in range(1, 6)], seen
    assert len(mlflow.search_traces(locations=[exp_id], max_results=3)) == 3


def test_trace_metrics():
    # MlflowClient has no trace-metrics method in this version; the tracking store the client
    # uses for everything else does (QueryTraceMetrics, as the MLflow UI's dashboards call it).
    from mlflow.entities.trace_metrics import AggregationType, MetricAggregation, MetricViewType
    store = client._tracking_client.store
    points = store.query_trace_metrics(
        experiment_ids=[exp_id], view_type=MetricViewType.TRACES, metric_name="trace_count",
        aggregations=[MetricAggregation(AggregationType.COUNT)])
    assert len(points) == 1 and points[0].values["COUNT"] == 5, points
    points = store.query_trace_metrics(
        experiment_ids=[exp_id], view_type=MetricViewType.TRACES, metric_name="trace_count",
        aggregations=[MetricAggregation(AggregationType.COUNT)], dimensions=["trace_status"])
    counts = {p.dimensions["trace_status"]: p.values["COUNT"] for p in points}
    assert counts == {"OK": 4, "ERROR": 1}, counts
    points = store.query_trace_metrics(
        experiment_ids=[exp_id], view_type=MetricViewType.SPANS, metric_name="span_count",
        aggregations=[MetricAggregation(AggregationType.COUNT)], dimensions=["span_type"],
        filters=["span.type = 'TOOL'"])
    assert [(p.dimensions["span_type"], p.values["COUNT"]) for p in points] == [("TOOL", 1)], points
    # latency takes AVG and PERCENTILE in MLflow (tracelake also answers MIN/MAX).
    points = store.query_trace_metrics(
        experiment_ids=[exp_id], view_type=MetricViewType.TRACES, metric_name="latency",
        aggregations=[MetricAggregation(AggregationType.AVG),
                      MetricAggregation(AggregationType.PERCENTILE, 50)])
    values = points[0].values
    assert values["AVG"] >= 50, values  # t2 alone sleeps 250 ms
    p50 = values.get("P50", values.get("P50.0"))
    assert p50 is not None and p50 > 0, values


def test_delete_traces_by_id_then_by_timestamp():
    assert client.delete_traces(exp_id, trace_ids=[ids["t3"]]) == 1
    assert found() == {"t1", "t2", "t4", "t5"}
    assert client.delete_traces(exp_id, max_timestamp_millis=ids["mark"], max_traces=1) == 1
    assert found() == {"t2", "t4", "t5"}, "the oldest goes first"
    assert client.delete_traces(exp_id, max_timestamp_millis=ids["mark"]) == 2
    assert found() == {"t5"}
    assert client.delete_traces(experiment_id=exp_id, trace_ids=[ids["t5"]]) == 1
    assert found() == set()


setup_traces()
run([
    test_search_to_dataframe,
    test_search_to_list_with_and_without_spans,
    test_filter_by_status,
    test_filter_by_timestamp_and_execution_time,
    test_filter_by_tags_and_metadata,
    test_filter_by_name_id_and_text,
    test_filter_by_name_in_a_list,
    test_filter_by_spans,
    test_combined_filters,
    test_bad_filter_is_an_invalid_parameter_error,
    test_ordering,
    test_paging,
    test_trace_metrics,
    test_delete_traces_by_id_then_by_timestamp,
])
