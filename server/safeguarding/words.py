"""The risk categories in words people use, for every page that shows them: the lead's
escalations (server/http/lead.py) and the facilitators' alerts in the group page, which reads
them from the page (``data-words`` on ``#app``) so that there is one table, translated once."""

from __future__ import annotations

from typing import Final

from server.i18n import N_, gettext

CATEGORY_WORDS: Final = {
    "suicide": N_("thoughts of suicide"), "self_harm": N_("self-harm"),
    "harm_to_baby": N_("thoughts about harm to the baby"),
    "psychosis": N_("possible signs of postpartum psychosis"),
    "domestic_abuse": N_("domestic abuse"), "immediate_danger": N_("immediate danger"),
    "substance_misuse": N_("alcohol or drugs"),
    "partner_worry": N_("worry about someone close"), "low_mood": N_("low mood"),
}


def category_words() -> dict[str, str]:
    """The table in the request's language."""
    return {code: gettext(words) for code, words in CATEGORY_WORDS.items()}
