"""The escalation state machine: raised -> acknowledged -> action_taken -> closed.

Pure. A change may skip ahead (a lead can record an action straight away, or
close with an outcome), never go back, and closing needs an outcome.
"""

from __future__ import annotations

from server.i18n import N_

STATES = ("raised", "acknowledged", "action_taken", "closed")
OPEN_STATES = frozenset(STATES[:-1])
OUTCOMES = {
    "signposted": N_("Signposted to support"),
    "checked_in": N_("Facilitator checked in; no further action"),
    "gp_or_health_visitor": N_("GP, midwife or health visitor contacted"),
    "perinatal_team": N_("Perinatal mental health team contacted"),
    "crisis_team": N_("Crisis team contacted"),
    "emergency_services": N_("Emergency services called"),
    "safeguarding_referral": N_("Safeguarding referral made"),
    "no_action_needed": N_("Reviewed: no action needed"),
}


class EscalationError(ValueError):
    """A change the state machine does not allow; the message says why."""


def check_change(current: str, new_state: str | None, outcome: str | None) -> str:
    """The state after a change, or raise ``EscalationError``.

    ``new_state`` None means "same state" (adding a note or an outcome).
    """
    if current not in STATES:
        raise EscalationError(f"unknown current state {current!r}")
    target = new_state or current
    if target not in STATES:
        raise EscalationError(f"state must be one of {', '.join(STATES)}")
    if current == "closed":
        raise EscalationError("this escalation is closed")
    if STATES.index(target) < STATES.index(current):
        raise EscalationError(f"an escalation cannot go back from {current} to {target}")
    if outcome is not None and outcome not in OUTCOMES:
        raise EscalationError(f"outcome must be one of {', '.join(OUTCOMES)}")
    return target
