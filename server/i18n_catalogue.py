"""``hearth i18n extract``: gather every marked message into the catalogues.

Reads the Python of ``server/`` (``_``, ``N_``, ``gettext``, ``ngettext``), the templates in
``web/templates`` (Jinja's ``_`` and ``{% trans %}``) and the browser's modules in
``web/static`` (``t`` and ``tn``), writes ``server/locale/messages.pot``, and brings each
language's ``messages.po`` up to date with it (new messages untranslated, gone ones dropped),
keeping every translation already written. Translators then fill the empty ``msgstr``\\ s.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from server.i18n import DEFAULT, JS_KEYWORDS, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
# (folder, method, file pattern, keywords): one pass each, so that JavaScript's t() is never
# looked for in Python, where ``t`` is an ordinary name.
SOURCES: tuple[tuple[str, str, str, Mapping[str, Any]], ...] = (
    ("server", "python", "**.py", DEFAULT_KEYWORDS),
    ("web/templates", "jinja2", "**.html", DEFAULT_KEYWORDS),
    ("web/static", "javascript", "**.js", JS_KEYWORDS),
)


def template() -> Catalog:
    """Every marked message, with where it is used."""
    catalog = Catalog(project="Hearth", msgid_bugs_address="", fuzzy=False)
    for folder, method, pattern, keywords in SOURCES:
        base = ROOT / folder
        options = {pattern: {"trimmed": "true"}} if method == "jinja2" else {}
        found = extract_from_dir(str(base), method_map=[(pattern, method)],
                                 options_map=options, keywords=dict(keywords),
                                 strip_comment_tags=True)
        for filename, line, message, comments, context in found:
            where = f"{folder}/{filename}"
            catalog.add(message, None, [(where, line)], auto_comments=comments, context=context)
    return catalog


HEADER = ("# Hearth's messages: written in English where they are used, translated here.\n"
          "# Made by `hearth i18n extract`; see server/i18n.py and docs/languages.md.\n#")


def po_text(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    catalog.header_comment = HEADER
    write_po(out, catalog, width=100, omit_header=False, include_lineno=False,
             sort_output=False)
    # No dates in the files: they would change on every run and say nothing useful.
    return b"".join(line for line in out.getvalue().splitlines(keepends=True)
                    if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date')))


def extract_all(locale_dir: Path = LOCALE_DIR) -> dict[str, tuple[int, int]]:
    """Write the template and update each language; (messages, untranslated) per language."""
    pot = template()
    locale_dir.mkdir(parents=True, exist_ok=True)
    (locale_dir / "messages.pot").write_bytes(po_text(pot))
    counts: dict[str, tuple[int, int]] = {}
    for code in LANGUAGES:
        if code == DEFAULT:
            continue
        path = locale_dir / code / "LC_MESSAGES" / "messages.po"
        if path.is_file():
            with path.open("rb") as existing:
                catalog = read_po(existing, locale=code)
        else:
            catalog = Catalog(locale=code, project="Hearth")
            path.parent.mkdir(parents=True, exist_ok=True)
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header: its plural rule must reach the compiled catalogue
        catalog.obsolete.clear()  # a message nobody shows any more needs no translation
        path.write_bytes(po_text(catalog))
        messages = [m for m in catalog if m.id]
        counts[code] = (len(messages), sum(1 for m in messages if not m.string or (
            isinstance(m.string, tuple) and not all(m.string))))
    return counts
