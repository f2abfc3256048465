"""The pure rules of one-to-one support (server/programme/referrals.py): what a request needs,
which step follows which, and how volunteers are ranked for a request, with the reasons."""

from __future__ import annotations

from datetime import UTC, datetime

from server.programme.profile import Profile
from server.programme.referrals import (
    NEXT,
    ContactDetails,
    Referral,
    request_problems,
    slots_of,
    suggest,
)

AT = datetime(2026, 12, 14, tzinfo=UTC)


def test_a_request_needs_her_consent_and_a_professional_says_who_they_are() -> None:
    details = ContactDetails(name="Amina", reach="07700 900123", need="")
    assert request_problems(source="self", language="ur", audience="mothers",
                            times=["weekday-evening"], details=details, consent=True) == {}
    found = request_problems(source="professional", language="xx", audience="babies",
                             times=["sunday"], consent=False,
                             details=ContactDetails(name="", reach="x" * 201, need=""))
    assert set(found) == {"language", "audience", "times", "name", "reach", "referrer_name",
                          "referrer_role", "consent"}
    assert NEXT["signposted"] == NEXT["closed"] == frozenset()
    assert "matched" in NEXT["accepted"] and "matched" not in NEXT["new"]


def test_volunteers_are_ranked_by_language_audience_times_and_lived_experience() -> None:
    assert slots_of(["weekend-morning"]) == {"sat-morning", "sun-morning"}
    referral = Referral(id="rf_1", created_at=AT, source="self", language="ur",
                        audience="fathers_partners", times=("weekday-evening",), status="accepted")
    ranked = suggest(referral, [
        ("s1", "alex", Profile("s1", languages=("en",), audiences=("mothers",))),
        ("s2", "bilal", Profile("s2", languages=("ur",), audiences=("fathers_partners",),
                                availability=("tue-evening", "wed-evening", "sat-morning"),
                                lived_experience="Dad of twins")),
        ("s3", "cara", Profile("s3", languages=("ur",), audiences=("everyone",))),
    ])
    assert [s.username for s in ranked] == ["bilal", "cara", "alex"]
    assert ranked[0].reasons == (("language", "ur"), ("audience", "fathers_partners"),
                                 ("times", "2"), ("lived", "Dad of twins"))
    assert ranked[2].reasons == ()  # shares nothing, still listed, last
