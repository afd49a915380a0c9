"""Tests of vcsurvey.workflow: the transition tables and their one error."""

from __future__ import annotations

import itertools

import pytest

from vcsurvey.workflow import (
    EVENT_LABELS,
    EVENT_LABELS_EN,
    EVENTS_WITH_REASON,
    FROZEN_SUBMISSION_STATES,
    ROUND_STATES,
    ROUND_TRANSITIONS,
    STATE_LABELS,
    STATE_LABELS_EN,
    SUBMISSION_STATES,
    SUBMISSION_TRANSITIONS,
    WorkflowError,
    allowed_events,
    can,
    next_state,
)

States = tuple[str, ...]
Table = dict[tuple[str, str], str]
MACHINES: list[tuple[States, Table]] = [
    (SUBMISSION_STATES, SUBMISSION_TRANSITIONS),
    (ROUND_STATES, ROUND_TRANSITIONS),
]


def _events(transitions: Table) -> set[str]:
    return {event for _, event in transitions}


def test_submission_table_is_the_contract() -> None:
    assert SUBMISSION_STATES == ("draft", "submitted", "approved", "received")
    assert SUBMISSION_TRANSITIONS == {
        ("draft", "submit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "return"): "draft",
        ("approved", "return"): "draft",
        ("approved", "receive"): "received",
        ("approved", "reopen"): "draft",
        ("received", "reopen"): "draft",
    }


def test_round_table_is_the_contract() -> None:
    assert ROUND_STATES == ("draft", "dispatched", "consolidated", "archived")
    assert ROUND_TRANSITIONS == {
        ("draft", "dispatch"): "dispatched",
        ("dispatched", "consolidate"): "consolidated",
        ("consolidated", "consolidate"): "consolidated",
        ("consolidated", "archive"): "archived",
    }


@pytest.mark.parametrize(("states", "transitions"), MACHINES)
def test_tables_only_use_their_states(states: States, transitions: Table) -> None:
    for (source, _), target in transitions.items():
        assert source in states and target in states


def test_the_happy_path_of_a_submission() -> None:
    state = "draft"
    for event in ("submit", "approve", "receive"):
        state = next_state(SUBMISSION_TRANSITIONS, state, event)
    assert state == "received"
    assert next_state(SUBMISSION_TRANSITIONS, state, "reopen") == "draft"


def test_returned_submissions_go_back_to_draft() -> None:
    for state in ("submitted", "approved"):
        assert next_state(SUBMISSION_TRANSITIONS, state, "return") == "draft"


def test_the_happy_path_of_a_round() -> None:
    state = "draft"
    for event in ("dispatch", "consolidate", "consolidate", "archive"):
        state = next_state(ROUND_TRANSITIONS, state, event)
    assert state == "archived"


@pytest.mark.parametrize(("states", "transitions"), MACHINES)
def test_every_move_outside_the_table_is_refused(
    states: States, transitions: Table
) -> None:
    for state, event in itertools.product(states, _events(transitions)):
        if (state, event) in transitions:
            assert next_state(transitions, state, event) == transitions[state, event]
            assert can(transitions, state, event)
        else:
            with pytest.raises(WorkflowError) as caught:
                next_state(transitions, state, event)
            assert (caught.value.state, caught.value.event) == (state, event)
            assert not can(transitions, state, event)


def test_nothing_leaves_an_archived_round_or_a_received_submission_but_reopen() -> None:
    assert allowed_events(ROUND_TRANSITIONS, "archived") == ()
    assert allowed_events(SUBMISSION_TRANSITIONS, "received") == ("reopen",)
    assert allowed_events(SUBMISSION_TRANSITIONS, "approved") == (
        "return",
        "receive",
        "reopen",
    )
    with pytest.raises(WorkflowError):
        next_state(SUBMISSION_TRANSITIONS, "received", "return")


def test_unknown_state_or_event_is_a_workflow_error() -> None:
    with pytest.raises(WorkflowError):
        next_state(SUBMISSION_TRANSITIONS, "lost", "submit")
    with pytest.raises(WorkflowError):
        next_state(ROUND_TRANSITIONS, "draft", "submit")
    assert allowed_events(ROUND_TRANSITIONS, "lost") == ()


def test_error_messages_in_english_and_vietnamese() -> None:
    with pytest.raises(WorkflowError) as caught:
        next_state(SUBMISSION_TRANSITIONS, "draft", "approve")
    error = caught.value
    assert str(error) == "Cannot approve in state 'Draft'."
    assert error.message("en") == str(error)
    assert error.message() == (
        "Không thể thực hiện thao tác «Phê duyệt» khi đang ở trạng thái «Dự thảo»."
    )
    assert isinstance(error, Exception)


def test_error_message_for_unknown_names_shows_the_ids() -> None:
    error = WorkflowError("lost", "fly")
    assert "«fly»" in error.message("vi") and "«lost»" in error.message("vi")
    assert str(error) == "Cannot fly in state 'lost'."


@pytest.mark.parametrize(("states", "transitions"), MACHINES)
def test_every_state_and_event_has_both_labels(
    states: States, transitions: Table
) -> None:
    for state in states:
        assert STATE_LABELS[state] and STATE_LABELS_EN[state]
    for event in _events(transitions):
        assert EVENT_LABELS[event] and EVENT_LABELS_EN[event]


def test_vietnamese_labels() -> None:
    assert STATE_LABELS["draft"] == "Dự thảo"
    assert STATE_LABELS["approved"] == "Đã phê duyệt"
    assert STATE_LABELS["received"] == "Sở đã tiếp nhận"
    assert STATE_LABELS["consolidated"] == "Đã tổng hợp"
    assert STATE_LABELS["archived"] == "Đã lưu trữ"
    assert EVENT_LABELS["return"] == "Trả lại"


def test_reasons_and_frozen_states() -> None:
    assert EVENTS_WITH_REASON <= _events(SUBMISSION_TRANSITIONS)
    assert FROZEN_SUBMISSION_STATES == {"approved", "received"}
    # every way out of a frozen state is one that needs a reason
    for (source, event), _ in SUBMISSION_TRANSITIONS.items():
        if source in FROZEN_SUBMISSION_STATES and event != "receive":
            assert event in EVENTS_WITH_REASON
