"""The lead's page shows how the risk screen is doing: facilitators' verdicts, counted."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from tests.conftest import MakeServer
from tests.harness import Harness, harness


def cells(page: str, caption: str, signal: str) -> list[str]:
    """The counts (right calls, false alarms, missed) on one row of one version's table."""
    table = page[page.index(caption):]
    table = table[:table.index("</table>")]
    row = re.search(rf"<th scope=\"row\">{re.escape(signal)}</th>(.*?)</tr>", table, re.S)
    assert row, f"no row {signal!r} under {caption!r}"
    return re.findall(r"<td>(\d+)</td>", row.group(1))


async def test_the_lead_sees_counts_per_model_version_in_words(h: Harness) -> None:
    # The server is shared by the whole run: a version of our own keeps this table apart.
    version = f"linear-test-{uuid.uuid4().hex[:8]}"
    records, now = h.store.safeguarding, datetime.now(UTC)
    for verdict in ("right", "right", "false_alarm"):
        await records.record_feedback(verdict, ["suicide.passive_wish"], version, "suicide", now)
    await records.record_feedback("false_alarm", [], version, "low_mood", now)
    await records.record_feedback("missed", [], version, None, now)

    _, lead = await h.staff("safeguarding_lead")
    page = (await lead.get("/lead")).text
    await lead.aclose()
    assert "How the risk screen is doing" in page
    caption = f"<caption>Model version {version}</caption>"
    assert caption in page
    assert '<th scope="col">Right calls</th>' in page
    rule = "Rule &#8220;passive wish&#8221; (thoughts of suicide)"
    if rule not in page:  # Jinja may leave the quotes as they are
        rule = "Rule \u201cpassive wish\u201d (thoughts of suicide)"
    assert cells(page, caption, rule) == ["2", "1", "0"]
    assert cells(page, caption, "The model: sounded like thoughts of suicide") == ["2", "1", "0"]
    assert cells(page, caption, "The model: sounded like low mood") == ["0", "1", "0"]
    assert cells(page, caption, "Something the screen missed (nothing was flagged)") \
        == ["0", "0", "1"]
    # Counts only: the page never shows words people wrote (none were stored).
    assert "passive_wish" not in page


async def test_an_empty_state_before_any_verdict(make_server: MakeServer) -> None:
    async with harness(make_server()) as h:  # a fresh database: nothing counted yet
        _, lead = await h.staff("safeguarding_lead")
        page = (await lead.get("/lead")).text
        await lead.aclose()
    assert "How the risk screen is doing" in page
    assert 'id="no-screen-feedback"' in page and "<table" not in page
