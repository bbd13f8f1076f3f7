"""Every typed error code the console can show has words for people; banners lead with them, not the code."""

from __future__ import annotations

import re
from pathlib import Path

from console.render import ERROR_TITLES, TEMPLATES, error_line, error_title, fragment
from tests.console.html import one, text

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("domain", "resolvers", "console", "rest", "atlas")
# Where code creates a typed error: a class's ``code = "X"``, ``code="X"`` (also ``error_code=``) given to an
# error, and ``"code": "X"`` in the error dicts the console builds itself.
CODE = re.compile(r"""\b(?:error_)?code\s*=\s*"([A-Z][A-Z0-9_]+)"|"code":\s*"([A-Z][A-Z0-9_]+)"|"""
                  r"""extensions\s*=\s*\{[^}]*"code":\s*"([A-Z][A-Z0-9_]+)\"""")
# Codes the console makes up itself when an answer has none (console/screens.py, console/guard.py).
CONSOLE_CODES = {"UNEXPECTED", "VALIDATION", "UNAVAILABLE", "CSRF"}


def codes_in_the_code() -> dict[str, str]:
    """Every error code written in the application's source, with a file that uses it."""
    found: dict[str, str] = {}
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for match in CODE.finditer(path.read_text()):
                code = next(group for group in match.groups() if group)
                found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_codes_of_every_kind_of_typed_error():
    found = codes_in_the_code()

    # a class attribute, a keyword given to an error, a console-made dict, a GraphQL error's extensions
    assert {"IMPORT_REJECTED", "SELF_APPROVAL", "NOT_FOUND", "QUERY_TOO_COSTLY", "BUSY"} <= set(found)
    assert len(found) > 35


def test_every_error_code_has_a_title_for_people():
    missing = {code: where for code, where in codes_in_the_code().items() if code not in ERROR_TITLES}
    missing.update({code: "console" for code in CONSOLE_CODES if code not in ERROR_TITLES})

    assert missing == {}, "add a title to console.render.ERROR_TITLES for each"


def test_titles_are_words_not_the_code():
    for code, title in ERROR_TITLES.items():
        assert title and title != code and not title.isupper() and not title.endswith("."), code


def test_an_error_leads_with_its_title_and_keeps_the_code_for_support():
    shown = one(str(error_line("IMPORT_REJECTED", "2 row(s) are invalid; nothing was imported.")), "p.error")

    assert text(shown) == "The import was refused. 2 row(s) are invalid; nothing was imported."
    assert (shown["data-code"], shown["title"], shown["role"]) == ("IMPORT_REJECTED", "Error code IMPORT_REJECTED",
                                                                 "alert")
    assert shown.find("code") is None


def test_the_form_macros_show_the_title_then_the_message():
    macros = TEMPLATES.env.get_template("_macros.html").module
    error = {"code": "VALIDATION", "message": "Title <b> must not be empty.", "field": None}

    banner = one(str(macros.banner([error])), "p.error")
    form_error = one(str(macros.form_error(error)), "p.error")

    assert text(banner) == text(form_error) == "Check what you entered. Title <b> must not be empty."
    assert banner.find("b") is None  # the message is text, never markup


def test_an_unknown_code_still_reads_as_words():
    assert error_title("SOMETHING_NEW") == "Something new"
    assert error_title(None) == "Refused"


def test_a_copilot_answer_that_failed_reads_as_an_error_with_its_title():
    failed = {"kind": "error", "text": "The answer is still being written; try again shortly.", "errorCode": "BUSY",
              "grounded": None, "citations": [], "notes": []}

    shown = one(fragment(None, "copilot/panel.html", "final", {"event": failed}), "p.error")

    assert text(shown) == "Busy, try again shortly. The answer is still being written; try again shortly."
    assert shown["data-code"] == "BUSY"
