"""State machines of a submission and of a survey round, as plain tables.

Every legal move is one entry ``(state, event) -> next state``; anything else
raises :class:`WorkflowError`.  Who may fire an event (preparer, head,
department) is the addon's business; this module only knows the order.

Submission: draft -> submitted (preparer) -> approved (head signs off) ->
received (department).  "return" sends a submitted or approved form back to
draft (head or department, with a reason); "reopen" is the department's
explicit, logged way to edit an approved or received form again.

Round: draft -> dispatched (dispatch numbered and sent) -> consolidated
(summary generated; may be regenerated) -> archived (read-only).
"""

from __future__ import annotations

from collections.abc import Mapping

Transitions = Mapping[tuple[str, str], str]

SUBMISSION_STATES: tuple[str, ...] = ("draft", "submitted", "approved", "received")
SUBMISSION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "draft",
    ("approved", "return"): "draft",
    ("approved", "receive"): "received",
    ("approved", "reopen"): "draft",
    ("received", "reopen"): "draft",
}
ROUND_STATES: tuple[str, ...] = ("draft", "dispatched", "consolidated", "archived")
ROUND_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "dispatch"): "dispatched",
    ("dispatched", "consolidate"): "consolidated",
    # consolidating again regenerates the summary from the latest submissions
    ("consolidated", "consolidate"): "consolidated",
    ("consolidated", "archive"): "archived",
}
# Events the addon must log with a reason typed by the user.
EVENTS_WITH_REASON: frozenset[str] = frozenset({"return", "reopen"})
# States in which a submission's answers are frozen.
FROZEN_SUBMISSION_STATES: frozenset[str] = frozenset({"approved", "received"})

STATE_LABELS: dict[str, str] = {
    "draft": "Dự thảo",
    "submitted": "Chờ phê duyệt",
    "approved": "Đã phê duyệt",
    "received": "Sở đã tiếp nhận",
    "dispatched": "Đã phát hành",
    "consolidated": "Đã tổng hợp",
    "archived": "Đã lưu trữ",
}
STATE_LABELS_EN: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Waiting for approval",
    "approved": "Approved",
    "received": "Received by the Department",
    "dispatched": "Dispatched",
    "consolidated": "Consolidated",
    "archived": "Archived",
}
EVENT_LABELS: dict[str, str] = {
    "submit": "Gửi duyệt",
    "approve": "Phê duyệt",
    "return": "Trả lại",
    "receive": "Tiếp nhận",
    "reopen": "Mở lại để sửa",
    "dispatch": "Phát hành công văn",
    "consolidate": "Tổng hợp",
    "archive": "Lưu trữ",
}
EVENT_LABELS_EN: dict[str, str] = {
    "submit": "Submit",
    "approve": "Approve",
    "return": "Return",
    "receive": "Receive",
    "reopen": "Reopen",
    "dispatch": "Dispatch",
    "consolidate": "Consolidate",
    "archive": "Archive",
}


class WorkflowError(Exception):
    """An event that the current state does not allow."""

    def __init__(self, state: str, event: str) -> None:
        self.state = state
        self.event = event
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi") -> str:
        """The error as a sentence in ``lang`` ("vi" or "en")."""
        if lang.startswith("vi"):
            return (
                f"Không thể thực hiện thao tác «{_label(EVENT_LABELS, self.event)}»"
                f" khi đang ở trạng thái «{_label(STATE_LABELS, self.state)}»."
            )
        return (
            f"Cannot {_label(EVENT_LABELS_EN, self.event).lower()} in state "
            f"{_label(STATE_LABELS_EN, self.state)!r}."
        )


def _label(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key, key)


def next_state(transitions: Transitions, state: str, event: str) -> str:
    """The state after ``event`` in ``state`` (WorkflowError if not allowed)."""
    try:
        return transitions[(state, event)]
    except KeyError:
        raise WorkflowError(state, event) from None


def can(transitions: Transitions, state: str, event: str) -> bool:
    """Whether ``event`` is allowed in ``state`` (for ``can_*`` fields)."""
    return (state, event) in transitions


def allowed_events(transitions: Transitions, state: str) -> tuple[str, ...]:
    """Events allowed in ``state``, in table order."""
    return tuple(event for (source, event) in transitions if source == state)
