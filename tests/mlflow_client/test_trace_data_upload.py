"""Issue 11, gap 1: spans that reach the server only as the traces.json artifact.

MLflow's client uploads a trace's spans as traces.json when StartTraceV3's answer lacks the
mlflow.trace.spansLocation tag; here its OTLP span export is switched off (as for a server that
refuses OTLP), so that is the only copy. The spans must read back typed (span_type "CHAIN", ints
as ints), and a traces.json copy must never replace the OTLP copy of the same span, while an OTLP
copy replaces an uploaded one."""

from client_test_util import run, setup

import mlflow
from mlflow.entities import Span, SpanEvent, SpanType, TraceData
from mlflow.tracing.client import TracingClient

client, exp_id = setup("client-trace-data")
tracing = TracingClient(mlflow.get_tracking_uri())
real_log_spans = TracingClient.log_spans
state = {}


def no_otlp(self, location, spans):
    raise NotImplementedError("span export switched off by the test")


@mlflow.trace(span_type=SpanType.CHAIN)
def chain(x):
    span = mlflow.get_current_active_span()
    span.set_attribute("count", 5)
    span.set_attribute("ratio", 0.5)
    span.set_attribute("nested", {"a": [1, 2], "b": None})
    span.set_attribute("digits", "7")
    span.add_event(SpanEvent("checkpoint", attributes={"n": 1, "labels": ["x", "y"]}))
    with mlflow.start_span("step", span_type=SpanType.TOOL) as step:
        step.set_inputs({"x": x})
        step.set_outputs(x + 1)
    return {"answer": x * 2}


def new_exporter():
    # The exporter remembers that span export failed; a fresh provider gets a fresh exporter.
    mlflow.tracing.reset()


def test_spans_uploaded_only_as_traces_json_read_back_typed():
    TracingClient.log_spans = no_otlp
    new_exporter()
    try:
        assert chain(3) == {"answer": 6}
    finally:
        TracingClient.log_spans = real_log_spans
    trace_id = mlflow.get_last_active_trace_id()
    trace = client.get_trace(trace_id)
    assert len(trace.data.spans) == 2, trace.data.spans
    root, step = trace.data.spans
    assert root.span_type == "CHAIN", repr(root.span_type)
    assert root.attributes["count"] == 5 and type(root.attributes["count"]) is int, \
        repr(root.attributes["count"])
    assert root.attributes["ratio"] == 0.5, repr(root.attributes["ratio"])
    assert root.attributes["nested"] == {"a": [1, 2], "b": None}, repr(root.attributes["nested"])
    assert root.attributes["digits"] == "7", repr(root.attributes["digits"])
    assert root.inputs == {"x": 3}, repr(root.inputs)
    assert [(e.name, e.attributes) for e in root.events] == \
        [("checkpoint", {"n": 1, "labels": ["x", "y"]})], root.events
    assert root.outputs == {"answer": 6}, repr(root.outputs)
    assert step.span_type == "TOOL" and step.parent_id == root.span_id
    assert step.outputs == 4, repr(step.outputs)
    assert trace.info.state.value == "OK"
    assert trace.info.request_preview and "3" in trace.info.request_preview
    state["uploaded"] = trace_id


def test_uploaded_spans_are_searchable():
    # tracelake stores uploaded spans like any others; MLflow 3.11 keeps them only as the
    # artifact, so its span filters do not see them.
    assert [t.info.trace_id for t in mlflow.search_traces(
        locations=[exp_id], filter_string="span.type = 'CHAIN'", return_type="list")
        if t.info.trace_id == state["uploaded"]] == [state["uploaded"]]


def record(via_otlp):
    if not via_otlp:
        TracingClient.log_spans = no_otlp
    new_exporter()
    try:
        chain(7)
    finally:
        TracingClient.log_spans = real_log_spans
    return client.get_trace(mlflow.get_last_active_trace_id())


def test_both_copies_read_back_identical():
    def comparable(trace):
        out = []
        for span in trace.data.spans:
            attrs = dict(span.attributes)
            attrs.pop("mlflow.traceRequestId", None)
            out.append({"name": span.name, "type": span.span_type, "inputs": span.inputs,
                        "outputs": span.outputs, "attributes": attrs,
                        "status": span.status.status_code,
                        "events": [(e.name, e.attributes) for e in span.events]})
        return out
    otlp, artifact = comparable(record(True)), comparable(record(False))
    assert otlp == artifact, (otlp, artifact)


def renamed(trace, name):
    data = trace.data.to_dict()
    for span in data["spans"]:
        span["name"] = name + ":" + span["name"]
    return TraceData.from_dict(data)


def test_a_traces_json_upload_never_replaces_the_otlp_copy():
    new_exporter()
    chain(4)
    trace_id = mlflow.get_last_active_trace_id()
    trace = client.get_trace(trace_id)
    assert [s.name for s in trace.data.spans] == ["chain", "step"]
    tracing._upload_trace_data(trace.info, renamed(trace, "artifact"))
    again = client.get_trace(trace_id)
    assert [s.name for s in again.data.spans] == ["chain", "step"], \
        [s.name for s in again.data.spans]
    assert again.data.spans[0].attributes["count"] == 5


def test_an_otlp_copy_replaces_an_uploaded_one():
    TracingClient.log_spans = no_otlp
    new_exporter()
    try:
        chain(5)
    finally:
        TracingClient.log_spans = real_log_spans
    trace_id = mlflow.get_last_active_trace_id()
    trace = client.get_trace(trace_id)
    spans = [Span.from_dict(d) for d in renamed(trace, "otlp").to_dict()["spans"]]
    tracing.log_spans(exp_id, spans)
    names = [s.name for s in client.get_trace(trace_id).data.spans]
    assert names == ["otlp:chain", "otlp:step"], names


run([
    test_spans_uploaded_only_as_traces_json_read_back_typed,
    test_uploaded_spans_are_searchable,
    test_both_copies_read_back_identical,
    test_a_traces_json_upload_never_replaces_the_otlp_copy,
    test_an_otlp_copy_replaces_an_uploaded_one,
])
