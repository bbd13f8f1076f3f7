"""CMDB import and export: row errors that import nothing, counts of a good import, uploads, downloads."""

from __future__ import annotations

import json

from tests.console.cmdb.helpers import shop
from tests.console.html import alerts, cells, has, one, root, select, text, texts

BAD_CIS = "class,name,attr.port\ndatabase,orders-db,5432\nspaceship,x,\ndatabase,cache,not-a-port\n"
GOOD_CIS = "class,name,environment,attr.port\ndatabase,orders-db,production,5432\napplication_service,orders,staging,\n"
GOOD_RELS = "type,source_class,source_name,target_class,target_name\n" \
            "depends_on,application_service,orders,database,orders-db\n"


def listed(html: str) -> list[str]:
    return [text(row.select_one("td:first-child > a")) for row in select(html, 'tr[id^="ci-"]')]


def counts(html: str) -> list[str]:
    """The import's result: CIs created, updated, unchanged; relationships created, unchanged."""
    return cells(one(html, "#import-result tbody tr"))


async def test_an_import_with_bad_rows_lists_each_row_and_imports_nothing(owner):
    response = await owner.post("/console/cmdb/transfer", {"format": "csv", "cis": BAD_CIS, "relationships": ""},
                                htmx=True)

    assert response.status_code == 400
    assert root(response.text)["id"] == "transfer-screen"
    assert "The import was refused. 2 row(s) are invalid; nothing was imported." in alerts(response.text)
    rows = select(response.text, "#import-errors tbody tr")
    assert [cells(row) for row in rows] == [["cis", "2", "class", "Unknown CI class 'spaceship'."],
                                            ["cis", "3", "attr.port", "Attribute port must be integer, got 'not-a-port'."]]
    assert [texts(row, "td:nth-of-type(3) code") for row in rows] == [["class"], ["attr.port"]]
    assert one(response.text, "textarea#import-cis").string.endswith("spaceship,x,\ndatabase,cache,not-a-port")  # kept
    assert listed((await owner.get("/console/cmdb")).text) == []


async def test_a_good_import_shows_its_counts_and_the_cis_arrive(owner):
    response = await owner.post("/console/cmdb/transfer", {"format": "csv", "cis": GOOD_CIS,
                                                           "relationships": GOOD_RELS})
    again = await owner.post("/console/cmdb/transfer", {"format": "csv", "cis": GOOD_CIS,
                                                        "relationships": GOOD_RELS})

    assert response.status_code == 200 and "Imported." in response.text
    assert counts(response.text) == ["2", "0", "0", "1", "0"]
    assert counts(again.text) == ["0", "0", "2", "0", "1"]
    assert listed((await owner.get("/console/cmdb")).text) == ["orders", "orders-db"]


async def test_documents_can_be_uploaded_as_files(owner):
    csrf = await owner.csrf()
    response = await owner.http.post(
        "/console/cmdb/transfer", data={"format": "csv", "cis": "", "relationships": ""},
        files={"cis_file": ("cis.csv", GOOD_CIS.encode(), "text/csv"),
               "relationships_file": ("relationships.csv", GOOD_RELS.encode(), "text/csv")},
        headers={"X-CSRF-Token": csrf})

    assert response.status_code == 200
    assert counts(response.text) == ["2", "0", "0", "1", "0"]


async def test_json_that_does_not_parse_is_refused_beside_its_document(owner):
    response = await owner.post("/console/cmdb/transfer", {"format": "json", "cis": "[{", "relationships": ""})

    assert response.status_code == 400
    document = one(response.text, '#import-form textarea#import-cis[name="cis"]')
    assert texts(document.parent, ".field-error") == [
        "The cis part is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 3."]
    assert listed((await owner.get("/console/cmdb")).text) == []


async def test_export_downloads_the_cis_and_relationships_as_csv_and_json(owner, db):
    await shop(db, owner.tenant)

    cis = await owner.get("/console/cmdb/export/cis.csv")
    rels = await owner.get("/console/cmdb/export/relationships.csv")
    as_json = await owner.get("/console/cmdb/export/cis.json")
    unknown = await owner.get("/console/cmdb/export/everything.zip")

    assert cis.status_code == 200 and cis.headers["content-type"] == "text/csv; charset=utf-8"
    assert cis.headers["content-disposition"] == 'attachment; filename="cmdb-cis.csv"'
    lines = cis.text.splitlines()
    assert lines[0].startswith("class,name,environment") and len(lines) == 6
    assert "database,payments-db,production" in cis.text
    assert rels.text.splitlines()[0] == "type,source_class,source_name,target_class,target_name"
    assert "depends_on,application_service,checkout,application_service,payments" in rels.text
    assert sorted(ci["name"] for ci in json.loads(as_json.text)) == [
        "ACME Corp", "Online store", "checkout", "payments", "payments-db"]
    assert unknown.status_code == 404


async def test_a_viewer_may_export_but_sees_no_import_form(owner, db, add_member, signed_in):
    await shop(db, owner.tenant)
    viewer = await signed_in(await add_member(owner.tenant, ["viewer"]))

    page = await viewer.get("/console/cmdb/transfer")
    download = await viewer.get("/console/cmdb/export/cis.csv")

    assert page.status_code == 200 and has(page.text, 'a[href="/console/cmdb/export/cis.csv"]')
    assert not has(page.text, "#import-form")
    assert download.status_code == 200 and "payments-db" in download.text


async def test_the_import_hints_match_the_format_shown(owner):
    fresh = await owner.get("/console/cmdb/transfer")
    after_csv = await owner.post("/console/cmdb/transfer", {"format": "csv", "cis": "class,name\n", "relationships": ""})

    box = one(fresh.text, "textarea#import-cis")
    assert one(fresh.text, "#import-format option[selected]")["value"] == "json"
    assert box["placeholder"] == box["data-hint-json"] and box["placeholder"].startswith('[{"class": "database"')
    assert box["data-hint-csv"] == "class,name,environment,attr.port"  # what the page switches to when CSV is picked
    assert one(after_csv.text, "#import-format option[selected]")["value"] == "csv"
    assert one(after_csv.text, "textarea#import-relationships")["placeholder"].startswith("type,source_class")
