"""Knowledge screens: write an article, find it by search, edit it into versions, a stale save refused."""

from __future__ import annotations

import uuid

from domain.knowledge.indexing import index_source
from tests.console.html import cells, has, one, select, text


async def _write(owner, title="Redis eviction runbook", body="When Redis evicts keys, raise maxmemory."):
    response = await owner.post("/console/knowledge", {"title": title, "body": body, "tags": "redis, cache"},
                                htmx=True)
    assert response.status_code == 200, response.text
    return response.headers["HX-Redirect"].removeprefix("/console/knowledge/")


async def test_a_written_article_is_listed_and_found_by_search(owner, runtime):
    # given an article written in the console and indexed (the worker's job, run here directly)
    article_id = await _write(owner)
    await index_source(gateway=runtime.ai, db=runtime.db, tenant_id=owner.tenant.tenant_id, source="article",
                       source_id=uuid.UUID(article_id))

    # when the list is opened and then searched in other words
    listing = await owner.get("/console/knowledge")
    found = await owner.get("/console/knowledge?q=redis+evicting+keys")

    # then the article is listed with its tags, and the search links to it
    row = one(listing.text, f"#article-{article_id}")
    assert cells(row)[0] == "Redis eviction runbook" and cells(row)[1] == "cache redis"
    [hit] = select(found.text, "#search-hits li")
    assert one(hit, "a")["href"] == f"/console/knowledge/{article_id}" and "maxmemory" in text(one(hit, ".snippet"))


async def test_saving_makes_versions_and_a_stale_save_is_refused(owner):
    article_id = await _write(owner)
    page = f"/console/knowledge/{article_id}"

    saved = await owner.post(page, {"title": "Redis eviction", "body": "v2", "tags": "", "version": "1"}, htmx=True)
    stale = await owner.post(page, {"title": "Late", "body": "v-late", "tags": "", "version": "1"}, htmx=True)

    assert "Saved version 2." in saved.text
    assert [cells(r)[0] for r in select(saved.text, "#versions tbody tr")] == ["2", "1"]
    assert stale.status_code == 409 and "changed since version 1 (now 2)" in stale.text
    assert one(stale.text, "#edit-body").text == "v-late"  # what was typed is kept


async def test_an_article_without_a_title_is_refused_beside_the_title(owner):
    response = await owner.post("/console/knowledge", {"title": " ", "body": "x", "tags": ""}, htmx=True)
    assert response.status_code == 400
    assert "Title must be 1-200 characters." in text(one(response.text, "#create-article-form"))
    assert not has(response.text, "#kb-articles tbody tr")
