"""Recording traces with MLflow's client and reading them back: @mlflow.trace, start_span,
typed attributes, events, errors, autolog-style nested spans, update_current_trace, get_trace,
trace tags."""

import time

from client_test_util import URL, run, setup

import mlflow
from mlflow.entities import SpanEvent, SpanStatusCode, SpanType
from mlflow.exceptions import MlflowException
from mlflow.tracing.constant import SpanAttributeKey

client, exp_id = setup("client-tracing")


@mlflow.trace(span_type=SpanType.RETRIEVER)
def retrieve(query):
    return ["doc-1", "doc-2"]


@mlflow.trace(span_type=SpanType.CHAIN, attributes={"team": "search"})
def pipeline(question, k=2):
    span = mlflow.get_current_active_span()
    span.set_attribute("k", k)
    span.set_attribute("score", 0.75)
    span.set_attribute("flag", True)
    span.set_attribute("labels", ["a", "b"])
    span.set_attribute("config", {"depth": 2, "mode": "fast"})
    span.set_attribute("digits", "5")
    span.add_event(SpanEvent("retrieved", attributes={"count": 3, "source": "index"}))
    docs = retrieve(question)
    return {"answer": "42", "docs": docs}


def last_trace():
    trace_id = mlflow.get_last_active_trace_id()
    assert trace_id, "no trace was recorded"
    return client.get_trace(trace_id)


def test_trace_decorator_records_typed_attributes_and_events():
    before_ms = int(time.time() * 1000)
    assert pipeline("What is MLflow?", k=3) == {"answer": "42", "docs": ["doc-1", "doc-2"]}
    trace = last_trace()
    info = trace.info
    assert info.trace_id.startswith("tr-"), info.trace_id
    assert info.experiment_id == exp_id, info.experiment_id
    assert info.state.value == "OK", info.state
    assert before_ms - 1000 <= info.request_time <= int(time.time() * 1000), info.request_time
    assert info.execution_duration is not None and info.execution_duration >= 0
    assert "What is MLflow?" in info.request_preview, info.request_preview
    assert "42" in info.response_preview, info.response_preview
    assert info.tags.get("mlflow.traceName") == "pipeline", info.tags

    spans = trace.data.spans
    assert [s.name for s in spans] == ["pipeline", "retrieve"], [s.name for s in spans]
    root, child = spans
    assert root.parent_id is None
    assert child.parent_id == root.span_id
    assert root.trace_id == info.trace_id
    assert root.span_type == "CHAIN", repr(root.span_type)
    assert child.span_type == "RETRIEVER", repr(child.span_type)
    assert root.inputs == {"question": "What is MLflow?", "k": 3}, root.inputs
    assert root.outputs == {"answer": "42", "docs": ["doc-1", "doc-2"]}, root.outputs
    assert child.inputs == {"query": "What is MLflow?"}, child.inputs
    assert child.outputs == ["doc-1", "doc-2"], child.outputs
    attrs = root.attributes
    assert attrs["k"] == 3 and type(attrs["k"]) is int, repr(attrs["k"])
    assert attrs["score"] == 0.75, repr(attrs["score"])
    assert attrs["flag"] is True, repr(attrs["flag"])
    assert attrs["labels"] == ["a", "b"], repr(attrs["labels"])
    assert attrs["config"] == {"depth": 2, "mode": "fast"}, repr(attrs["config"])
    assert attrs["digits"] == "5", repr(attrs["digits"])
    assert attrs["team"] == "search", repr(attrs["team"])
    assert root.status.status_code == SpanStatusCode.OK, root.status
    assert root.start_time_ns <= child.start_time_ns <= child.end_time_ns <= root.end_time_ns
    assert len(root.events) == 1, root.events
    event = root.events[0]
    assert event.name == "retrieved"
    assert event.attributes == {"count": 3, "source": "index"}, event.attributes
    assert event.timestamp > 0
    assert trace.search_spans(span_type=SpanType.RETRIEVER)[0].name == "retrieve"


def test_start_span_context_managers_nest():
    with mlflow.start_span("outer", span_type=SpanType.AGENT) as outer:
        outer.set_inputs({"task": "plan"})
        outer.set_attributes({"step": 1, "route": "tools"})
        with mlflow.start_span("tool-call", span_type=SpanType.TOOL) as tool:
            tool.set_inputs({"city": "Paris"})
            tool.set_outputs({"temp_c": 21.5})
        outer.set_outputs("done")
    trace = client.get_trace(outer.trace_id)
    outer_span, tool_span = trace.data.spans
    assert outer_span.name == "outer" and outer_span.span_type == "AGENT"
    assert outer_span.attributes["step"] == 1 and outer_span.attributes["route"] == "tools"
    assert outer_span.outputs == "done", repr(outer_span.outputs)
    assert tool_span.parent_id == outer_span.span_id
    assert tool_span.span_type == "TOOL"
    assert tool_span.outputs == {"temp_c": 21.5}, tool_span.outputs


def test_exception_marks_span_and_trace_as_error():
    @mlflow.trace
    def failing(x):
        raise ValueError("boom")

    try:
        failing(1)
        raise AssertionError("failing() did not raise")
    except ValueError:
        pass
    trace = last_trace()
    assert trace.info.state.value == "ERROR", trace.info.state
    span = trace.data.spans[0]
    assert span.status.status_code == SpanStatusCode.ERROR, span.status
    assert "boom" in (span.status.description or ""), span.status.description
    names = [e.name for e in span.events]
    assert "exception" in names, names
    exc = span.events[names.index("exception")].attributes
    assert exc.get("exception.type") == "ValueError", exc
    assert exc.get("exception.message") == "boom", exc


def test_autolog_style_llm_spans_carry_usage_and_messages():
    # What autolog integrations (OpenAI, LangChain) record: an agent span around chat-model and
    # tool spans, the model's request/response as inputs/outputs, token usage as an attribute.
    with mlflow.start_span("agent", span_type=SpanType.AGENT) as agent:
        agent.set_inputs({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
        for turn in range(2):
            with mlflow.start_span("Completions", span_type=SpanType.CHAT_MODEL) as llm:
                llm.set_inputs({"model": "gpt-4o-mini",
                                "messages": [{"role": "user", "content": "Weather in Paris?"}]})
                llm.set_attribute(SpanAttributeKey.CHAT_USAGE,
                                  {"input_tokens": 10, "output_tokens": 4, "total_tokens": 14})
                llm.set_attribute("mlflow.llm.model", "gpt-4o-mini")
                llm.set_outputs({"choices": [{"message": {"role": "assistant",
                                                          "content": f"turn {turn}"}}]})
            if turn == 0:
                with mlflow.start_span("get_weather", span_type=SpanType.TOOL) as tool:
                    tool.set_inputs({"city": "Paris"})
                    tool.set_outputs("sunny")
        agent.set_outputs("It is sunny.")
    trace = client.get_trace(agent.trace_id)
    spans = trace.data.spans
    assert [s.name for s in spans] == ["agent", "Completions", "get_weather", "Completions"], \
        [s.name for s in spans]
    assert all(s.parent_id == spans[0].span_id for s in spans[1:])
    llm_spans = trace.search_spans(span_type=SpanType.CHAT_MODEL)
    assert len(llm_spans) == 2
    usage = llm_spans[0].get_attribute(SpanAttributeKey.CHAT_USAGE)
    assert usage == {"input_tokens": 10, "output_tokens": 4, "total_tokens": 14}, usage
    assert llm_spans[0].inputs["messages"][0]["content"] == "Weather in Paris?"
    total = trace.info.token_usage
    assert total and total.get("input_tokens") == 20 and total.get("output_tokens") == 8 \
        and total.get("total_tokens") == 28, total


def test_update_current_trace_sets_tags_metadata_previews_session_and_user():
    @mlflow.trace
    def handle(question):
        mlflow.update_current_trace(
            tags={"env": "test", "feature": "search"},
            metadata={"app.version": "1.2.3"},
            client_request_id="req-123",
            request_preview="Q: weather?",
            response_preview="A: sunny",
            session_id="session-7",
            user="alice",
        )
        return "sunny"

    handle("weather?")
    info = last_trace().info
    assert info.tags.get("env") == "test" and info.tags.get("feature") == "search", info.tags
    assert info.trace_metadata.get("app.version") == "1.2.3", info.trace_metadata
    assert info.client_request_id == "req-123", info.client_request_id
    assert info.request_preview == "Q: weather?", info.request_preview
    assert info.response_preview == "A: sunny", info.response_preview
    assert info.trace_metadata.get("mlflow.trace.session") == "session-7", info.trace_metadata
    assert info.trace_metadata.get("mlflow.trace.user") == "alice", info.trace_metadata


def test_trace_tags_are_set_and_deleted():
    pipeline("tags?")
    trace_id = mlflow.get_last_active_trace_id()
    client.set_trace_tag(trace_id, "reviewed", "yes")
    mlflow.set_trace_tag(trace_id, "owner", "bob")
    tags = client.get_trace(trace_id).info.tags
    assert tags.get("reviewed") == "yes" and tags.get("owner") == "bob", tags
    client.delete_trace_tag(trace_id, "reviewed")
    mlflow.delete_trace_tag(trace_id, "owner")
    tags = client.get_trace(trace_id).info.tags
    assert "reviewed" not in tags and "owner" not in tags, tags
    assert tags.get("mlflow.traceName") == "pipeline", tags


def test_get_trace_of_unknown_id_fails():
    try:
        client.get_trace("tr-" + "0123456789abcdef" * 2)
    except MlflowException as e:
        assert e.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"), e.error_code
    else:
        raise AssertionError("get_trace of an unknown id returned")
    assert mlflow.get_trace("tr-" + "0123456789abcdef" * 2) is None


run([
    test_trace_decorator_records_typed_attributes_and_events,
    test_start_span_context_managers_nest,
    test_exception_marks_span_and_trace_as_error,
    test_autolog_style_llm_spans_carry_usage_and_messages,
    test_update_current_trace_sets_tags_metadata_previews_session_and_user,
    test_trace_tags_are_set_and_deleted,
    test_get_trace_of_unknown_id_fails,
])
