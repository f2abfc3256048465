"""Requests for one-to-one support, and matching them with a volunteer (issue 13, part 2).

Pure, like ``profile.py`` and ``training.py``: what a request holds and what is wrong with
one, which step may follow which, and the ranked suggestions of volunteers for one. Who
does each step, with its audit entry, is ``referring.py``'s; the rows are
``server/store/referrals.py``'s.

A request comes from the parent herself (``self``) or from a professional with her consent
(``professional``). A coordinator assesses it: accepts it, signposts her elsewhere (with a
reason, for coordinators only), or asks the safeguarding lead first; then matches an
accepted request with a volunteer and opens a one-to-one room for the two of them; and
closes it when the support ends. A signposted request is finished too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from server.programme.profile import AUDIENCES, LANGUAGES, Profile, slot

__all__ = [
    "FIELD_MAX",
    "LANGUAGES",
    "LANGUAGE_CHOICES",
    "NEXT",
    "REASON_MAX",
    "SOURCES",
    "STATUSES",
    "TIMES",
    "ContactDetails",
    "Referral",
    "Suggestion",
    "request_problems",
    "slots_of",
    "suggest",
]

SOURCES: Final = ("self", "professional")
STATUSES: Final = ("new", "accepted", "signposted", "asked_lead", "matched", "closed")
# Which status may follow which. A coordinator may close a request at any point (she no
# longer wants it, she could not be reached); a signposted one is finished.
NEXT: Final[Mapping[str, frozenset[str]]] = {
    "new": frozenset({"accepted", "signposted", "asked_lead", "closed"}),
    "asked_lead": frozenset({"accepted", "signposted", "closed"}),
    "accepted": frozenset({"matched", "signposted", "closed"}),
    "matched": frozenset({"closed"}),
    "signposted": frozenset(),
    "closed": frozenset(),
}
# Parts of the week that suit her: coarser than a volunteer's grid (a parent on a phone
# ticks a few boxes, not twenty-one), each covering its slots of the grid.
TIMES: Final = ("weekday-morning", "weekday-afternoon", "weekday-evening",
                "weekend-morning", "weekend-afternoon", "weekend-evening")
_DAYS_OF: Final = {"weekday": ("mon", "tue", "wed", "thu", "fri"), "weekend": ("sat", "sun")}
# The limits of the form's fields: a name to call her, a phone number or an email address
# and when to use it, a few lines about what she would like help with.
FIELD_MAX: Final[Mapping[str, int]] = {
    "name": 60, "reach": 200, "need": 1000,
    "referrer_name": 80, "referrer_role": 80, "referrer_org": 120,
}
REASON_MAX: Final = 500
LANGUAGE_CHOICES: Final = (*LANGUAGES, "other")


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """Everything personal in a request: sealed at rest, shown to coordinators and her
    matched volunteer only (``referring.py``). ``reason`` is a coordinator's reason for
    signposting her elsewhere (coordinators only)."""

    name: str
    reach: str
    need: str
    referrer_name: str = ""
    referrer_role: str = ""
    referrer_org: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Referral:
    """A request as the store keeps it, without its sealed details."""

    id: str
    created_at: datetime
    source: str
    language: str
    audience: str
    times: tuple[str, ...]
    status: str
    matched_staff_id: str | None = None
    room_id: str | None = None
    lead_alert: str | None = None
    accepted_at: datetime | None = None
    signposted_at: datetime | None = None
    asked_lead_at: datetime | None = None
    matched_at: datetime | None = None
    closed_at: datetime | None = None
    contact_erased_at: datetime | None = None

    @property
    def erased(self) -> bool:
        return self.contact_erased_at is not None


def request_problems(*, source: str, language: str, audience: str, times: Iterable[str],
                     details: ContactDetails, consent: bool) -> dict[str, str]:
    """What is wrong with a request, by field (English, for the command line and the store;
    the pages put their own words by the same fields). Empty: all fine."""
    found: dict[str, str] = {}
    if source not in SOURCES:
        found["source"] = f"a request comes from {' or '.join(SOURCES)}"
    if language not in LANGUAGE_CHOICES:
        found["language"] = f"the language is one of {', '.join(LANGUAGE_CHOICES)}"
    if audience not in AUDIENCES:
        found["audience"] = f"the audience is one of {', '.join(AUDIENCES)}"
    if set(times) - set(TIMES):
        found["times"] = f"times are chosen from {', '.join(TIMES)}"
    required = ["name", "reach"] + (["referrer_name", "referrer_role"]
                                    if source == "professional" else [])
    for name, limit in FIELD_MAX.items():
        value = getattr(details, name).strip()
        if name in required and not value:
            found[name] = f"{name} is needed"
        elif len(value) > limit:
            found[name] = f"{name} takes at most {limit} characters"
    if not consent:
        found["consent"] = "her consent is needed"
    return found


def slots_of(times: Iterable[str]) -> set[str]:
    """The volunteer-grid slots (``profile.SLOTS``) that the chosen parts of the week cover."""
    found = set()
    for chosen in times:
        days, _, part = chosen.partition("-")
        found |= {slot(day, part) for day in _DAYS_OF.get(days, ())}
    return found


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A volunteer suggested for a request: the higher ``score`` the better, and why, as
    (reason code, value) pairs the page puts in words."""

    staff_id: str
    username: str
    score: int
    reasons: tuple[tuple[str, str], ...] = field(default=())


def suggest(referral: Referral, volunteers: Sequence[tuple[str, str, Profile]]
            ) -> list[Suggestion]:
    """The volunteers (staff id, username, profile) ranked for ``referral``, best first.

    The caller passes only those who may be matched (facilitators, enabled, training
    current). A shared language counts most (a conversation needs one), then the audience
    (a dad is matched with someone who supports dads and partners; "everyone" fits all),
    then each part of the week both are free (up to three), then a noted lived experience.
    A volunteer sharing nothing is still listed, last: the coordinator knows people the
    profiles do not describe."""
    wanted = slots_of(referral.times)
    ranked = []
    for staff_id, username, profile in volunteers:
        score = 0
        reasons: list[tuple[str, str]] = []
        if referral.language in profile.languages:
            score += 6
            reasons.append(("language", referral.language))
        if referral.audience in profile.audiences or "everyone" in profile.audiences:
            score += 4
            reasons.append(("audience", referral.audience))
        shared = sorted(wanted & set(profile.availability),
                        key=lambda s: profile.availability.index(s))
        if shared:
            score += min(len(shared), 3)
            reasons.append(("times", str(len(shared))))
        if profile.lived_experience.strip():
            score += 1
            reasons.append(("lived", profile.lived_experience.strip()))
        ranked.append(Suggestion(staff_id, username, score, tuple(reasons)))
    return sorted(ranked, key=lambda s: (-s.score, s.username))
