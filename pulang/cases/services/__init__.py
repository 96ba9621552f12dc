"""Writes to cases (see cases.py, plans.py and contacts.py). Every write takes the version
the officer saw: if someone else changed the case since, :class:`StaleCase` and nothing
is saved (two officers, one case, nothing lost)."""

from pulang.cases.services.cases import (
    case_agree_plan,
    case_assign,
    case_close,
    case_forward_on_arrival,
    case_mark_assessed,
    case_monitor,
    case_open,
    case_reopen,
    case_start,
    case_transfer,
)
from pulang.cases.services.contacts import case_note_add, follow_up_record
from pulang.cases.services.plans import (
    assistance_record,
    plan_action_add,
    plan_action_follow,
    plan_action_set_status,
    plan_approve,
    plan_goal_add,
    plan_goal_set_status,
    plan_update,
)

__all__ = [
    "assistance_record",
    "case_agree_plan",
    "case_assign",
    "case_close",
    "case_forward_on_arrival",
    "case_mark_assessed",
    "case_monitor",
    "case_note_add",
    "case_open",
    "case_reopen",
    "case_start",
    "case_transfer",
    "follow_up_record",
    "plan_action_add",
    "plan_action_follow",
    "plan_action_set_status",
    "plan_approve",
    "plan_goal_add",
    "plan_goal_set_status",
    "plan_update",
]
