"""Assessments with MLflow's client: log_feedback, log_expectation, get_assessment,
update_assessment, override_feedback, delete_assessment; dict, list, number, string, bool values;
errors; span-level assessments; searching by feedback and expectation."""

from client_test_util import run, setup

import mlflow
from mlflow.entities import AssessmentError, AssessmentSource, Expectation, Feedback
from mlflow.exceptions import MlflowException

client, exp_id = setup("client-assessments")
state = {}


@mlflow.trace
def answer(question):
    with mlflow.start_span("retrieve") as span:
        span.set_inputs({"q": question})
    return "42"


def make_trace():
    answer("What is the answer?")
    trace_id = mlflow.get_last_active_trace_id()
    state["trace_id"] = trace_id
    state["span_id"] = client.get_trace(trace_id).data.spans[1].span_id


def expect_error(fn, *codes):
    try:
        fn()
    except MlflowException as e:
        assert not codes or e.error_code in codes, e.error_code
        return e
    raise AssertionError("no error was raised")


HUMAN = AssessmentSource(source_type="HUMAN", source_id="alice@example.com")
JUDGE = AssessmentSource(source_type="LLM_JUDGE", source_id="gpt-4o-mini")


def test_log_feedback_with_every_value_type():
    tid = state["trace_id"]
    fb = mlflow.log_feedback(trace_id=tid, name="correct", value=True, source=HUMAN,
                             rationale="matches the docs", metadata={"round": "1"})
    assert fb.assessment_id and fb.trace_id == tid
    got = mlflow.get_assessment(tid, fb.assessment_id)
    assert got.name == "correct" and got.value is True, (got.name, got.value)
    assert got.rationale == "matches the docs"
    assert got.source.source_type == "HUMAN" and got.source.source_id == "alice@example.com"
    assert got.metadata == {"round": "1"}, got.metadata
    assert got.valid is not False
    assert got.create_time_ms and got.last_update_time_ms
    state["correct"] = fb.assessment_id
    values = {"score": 0.8, "count": 3, "label": "yes",
              "scores": {"relevance": 4, "tags": ["a", "b"]}, "choices": ["x", "y", 3]}
    wrong = {}
    for name, value in values.items():
        logged = mlflow.log_feedback(trace_id=tid, name=name, value=value, source=JUDGE)
        back = mlflow.get_assessment(tid, logged.assessment_id).value
        # Feedback values travel as google.protobuf.Value, whose numbers are doubles.
        if back != value or (type(back) is not type(value) and not isinstance(value, int)):
            wrong[name] = back
    assert not wrong, wrong


def test_log_feedback_with_an_error_and_on_a_span():
    tid = state["trace_id"]
    fb = mlflow.log_feedback(trace_id=tid, name="judge", source=JUDGE,
                             error=AssessmentError(error_code="RATE_LIMIT",
                                                   error_message="judge was throttled"))
    got = mlflow.get_assessment(tid, fb.assessment_id)
    assert got.value is None
    assert got.error.error_code == "RATE_LIMIT", got.error
    assert got.error.error_message == "judge was throttled", got.error
    fb = mlflow.log_feedback(trace_id=tid, name="retrieval_ok", value=False,
                             span_id=state["span_id"], source=HUMAN)
    assert mlflow.get_assessment(tid, fb.assessment_id).span_id == state["span_id"]


def test_log_expectation_with_dict_and_list_values():
    tid = state["trace_id"]
    ex = mlflow.log_expectation(trace_id=tid, name="expected_answer",
                                value={"answer": "42", "facts": ["deep thought"]},
                                source=HUMAN, metadata={"dataset": "golden"})
    got = mlflow.get_assessment(tid, ex.assessment_id)
    assert got.value == {"answer": "42", "facts": ["deep thought"]}, got.value
    assert got.metadata == {"dataset": "golden"}
    assert got.expectation is not None and got.feedback is None
    state["expected"] = ex.assessment_id
    ex2 = mlflow.log_expectation(trace_id=tid, name="expected_docs", value=["doc-1", "doc-2"])
    assert mlflow.get_assessment(tid, ex2.assessment_id).value == ["doc-1", "doc-2"]


def test_assessments_are_part_of_the_trace():
    info = client.get_trace(state["trace_id"]).info
    names = sorted(a.name for a in info.assessments)
    for name in ("correct", "expected_answer", "judge", "scores", "choices"):
        assert name in names, names


def test_update_assessment():
    tid = state["trace_id"]
    updated = mlflow.update_assessment(
        trace_id=tid, assessment_id=state["expected"],
        assessment=Expectation(name="expected_answer", value={"answer": "forty-two"}))
    assert updated.assessment_id == state["expected"]
    assert mlflow.get_assessment(tid, state["expected"]).value == {"answer": "forty-two"}
    updated = mlflow.update_assessment(
        trace_id=tid, assessment_id=state["correct"],
        assessment=Feedback(name="correct", value=True, rationale="double-checked"))
    got = mlflow.get_assessment(tid, state["correct"])
    assert got.rationale == "double-checked", got.rationale
    assert got.source.source_id == "alice@example.com", "the source is kept"


def test_override_feedback():
    tid = state["trace_id"]
    new = mlflow.override_feedback(trace_id=tid, assessment_id=state["correct"], value=False,
                                   rationale="the docs were outdated", source=HUMAN)
    assert new.assessment_id != state["correct"]
    got = mlflow.get_assessment(tid, new.assessment_id)
    assert got.value is False and got.overrides == state["correct"], (got.value, got.overrides)
    old = mlflow.get_assessment(tid, state["correct"])
    assert old.valid is False, "the overridden feedback is marked invalid"
    state["override"] = new.assessment_id


def test_search_by_feedback_and_expectation():
    def found(filter_string):
        return [t.info.trace_id for t in mlflow.search_traces(
            locations=[exp_id], filter_string=filter_string, return_type="list")]
    tid = state["trace_id"]
    assert found("feedback.correct = 'false'") == [tid]
    assert found("feedback.label = 'yes'") == [tid]
    assert found("feedback.nothing = 'yes'") == []
    assert found("feedback.score IS NOT NULL") == [tid]


def test_delete_assessment():
    tid = state["trace_id"]
    mlflow.delete_assessment(trace_id=tid, assessment_id=state["override"])
    expect_error(lambda: mlflow.get_assessment(tid, state["override"]),
                 "RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")
    names = [a.name for a in client.get_trace(tid).info.assessments
             if a.assessment_id == state["override"]]
    assert names == [], names


def test_errors_for_unknown_ids():
    tid = state["trace_id"]
    unknown_trace = "tr-" + "fedcba9876543210" * 2
    expect_error(lambda: mlflow.get_assessment(tid, "a-0000000000000000000000000000dead"),
                 "RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")
    expect_error(lambda: mlflow.log_feedback(trace_id=unknown_trace, name="x", value=1))
    expect_error(lambda: mlflow.update_assessment(
        trace_id=tid, assessment_id="a-0000000000000000000000000000dead",
        assessment=Feedback(name="x", value=1)))
    expect_error(lambda: mlflow.override_feedback(
        trace_id=tid, assessment_id="a-0000000000000000000000000000dead", value=1))


make_trace()
run([
    test_log_feedback_with_every_value_type,
    test_log_feedback_with_an_error_and_on_a_span,
    test_log_expectation_with_dict_and_list_values,
    test_assessments_are_part_of_the_trace,
    test_update_assessment,
    test_override_feedback,
    test_search_by_feedback_and_expectation,
    test_delete_assessment,
    test_errors_for_unknown_ids,
])
