"""Reading console pages as HTML, for the tests that check structure: an element inside another, the
error beside a field, a table row's cells, a link's target, the element a fragment starts with.

Pages are parsed with Beautiful Soup (the stdlib ``html.parser`` underneath) and elements are chosen
with CSS selectors, so a test names what it looks for instead of matching markup as text::

    row = one(page.text, f"#rule-{rule_id}")
    assert cells(row)[:3] == ["Checkout failing", "event", "SEV2"]
    assert beside(page.text, "rule-condition").startswith("The condition is not valid CEL")

Assertions about what a user reads stay plain text checks on ``response.text``.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

Markup = str | Tag


def parse(html: Markup) -> Tag:
    """A page (or fragment) as a tree; a tree is returned as it is."""
    return html if isinstance(html, Tag) else BeautifulSoup(html, "html.parser")


def select(html: Markup, selector: str) -> list[Tag]:
    """Every element that matches ``selector``, in document order."""
    return parse(html).select(selector)


def one(html: Markup, selector: str) -> Tag:
    """The one element that matches ``selector``; the test fails when there is none, or several."""
    found = select(html, selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}"
    return found[0]


def has(html: Markup, selector: str) -> bool:
    """Whether any element matches ``selector``."""
    return parse(html).select_one(selector) is not None


def text(element: Tag | None) -> str:
    """An element's text as a reader sees it: whitespace runs collapsed, ends stripped ("" for none)."""
    return " ".join(element.get_text(" ").split()) if element is not None else ""


def texts(html: Markup, selector: str) -> list[str]:
    """The text of every element that matches ``selector``."""
    return [text(element) for element in select(html, selector)]


def cells(row: Tag) -> list[str]:
    """A table row's cells (``td``) as text."""
    return [text(cell) for cell in row.find_all("td", recursive=False)]


def root(html: Markup) -> Tag:
    """The first element of a fragment (what htmx swaps in)."""
    found = next((node for node in parse(html).children if isinstance(node, Tag)), None)
    assert found is not None, "the fragment has no element"
    return found


def href(html: Markup, selector: str) -> str:
    """Where the one link that matches ``selector`` goes."""
    return one(html, selector)["href"]


def links(html: Markup, label: str) -> list[str]:
    """Where each link that reads ``label`` goes."""
    return [anchor["href"] for anchor in select(html, "a[href]") if text(anchor) == label]


def link(html: Markup, label: str) -> str:
    """Where the one link that reads ``label`` goes."""
    found = links(html, label)
    assert len(found) == 1, f"{len(found)} links read {label!r}"
    return found[0]


def selected(html: Markup, name: str) -> list[str]:
    """The values chosen in the select (or checked in the radio buttons and boxes) named ``name``."""
    return [choice["value"] for choice in select(html, f'select[name="{name}"] option[selected], '
                                                       f'input[name="{name}"][checked]')]


def beside(html: Markup, field_id: str) -> str:
    """The error shown right after the form field ``field_id`` (past a hint), or "" when there is none."""
    field = one(html, f":is(input, select, textarea)#{field_id}")
    for sibling in field.find_next_siblings():
        if sibling.name == "span" and "field-error" in sibling.get("class", ()):
            return text(sibling)
        if not (sibling.name == "span" and "muted" in sibling.get("class", ())):
            return ""
    return ""


def errors_in(html: Markup, selector: str) -> list[str]:
    """The errors shown inside the element ``selector`` (banners and field errors), as text."""
    return texts(one(html, selector), '[role="alert"]')


def alerts(html: Markup) -> list[str]:
    """Every error the page shows (banners, field errors, error pages), as text: its title, then its message."""
    return texts(html, '[role="alert"]')


def shown_codes(html: Markup) -> list[str]:
    """The typed error codes behind the errors shown (kept on each for support, not read as text)."""
    return [element["data-code"] for element in select(html, "[data-code]")]
