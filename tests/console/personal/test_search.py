"""The search box: one query finds an incident and a CI; links open them; bad input is a 4xx."""

from tests.console.html import select, text

NEW_CI = """mutation($i: CiInput!) { createConfigurationItem(input: $i) { ... on CiSaved { ci { id } } } }"""


async def test_the_search_box_finds_an_incident_and_a_ci_and_links_to_them(owner, incident_api):
    api = await incident_api(owner.tenant)
    incident = await api.create("Latency on ledger-db")
    ci = (await api.call(NEW_CI, {"i": {"classKey": "database", "name": "ledger-db"}}))["createConfigurationItem"]["ci"]

    page = await owner.get("/console/search?query=ledger")
    by_ref = await owner.get(f"/console/search?query={incident['reference']}", htmx=True)

    links = {text(a): a["href"] for a in select(page.text, "#search-results a")}
    assert links == {f"{incident['reference']} Latency on ledger-db": f"/console/incidents/{incident['id']}",
                     "ledger-db": f"/console/cmdb/{ci['id']}"}
    assert [text(h) for h in select(page.text, ".search-group h2")] == ["Incidents", "Configuration items"]
    assert [text(a) for a in select(by_ref.text, "a")] == [f"{incident['reference']} Latency on ledger-db"]


async def test_every_page_has_the_search_box_and_nothing_found_is_said(owner):
    home = await owner.get("/console/")
    nothing = await owner.get("/console/search?query=no-such-thing-anywhere")
    empty = await owner.get("/console/search")

    assert select(home.text, "form[role=search] input#global-search")
    assert nothing.status_code == 200 and "Nothing matches “no-such-thing-anywhere”." in nothing.text
    assert empty.status_code == 200


async def test_an_overlong_search_is_a_400_not_a_500(owner):
    response = await owner.get("/console/search?query=" + "x" * 500)

    assert response.status_code == 400
    assert "Search for at most 200 characters." in response.text
