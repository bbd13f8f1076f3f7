"""The topology on a CI's page: a server-rendered SVG whose neighbours link to their pages, re-read alone
by htmx when the depth or the direction change, marked when the API truncates it."""

from __future__ import annotations

from domain.cmdb.service import CiDraft, create_ci, create_relationship
from tests.console.cmdb.helpers import shop
from tests.console.html import alerts, has, one, root, select, text, texts

TOPOLOGY = {"HX-Request": "true", "HX-Target": "ci-topology"}


def linked(html) -> set[str]:
    """The CI ids the drawing links to."""
    return {node["href"].removeprefix("/console/cmdb/") for node in select(html, "svg.topology a.node")}


async def test_the_page_draws_the_neighbourhood_two_steps_both_ways(owner, db):
    ids = await shop(db, owner.tenant)

    page = await owner.get(f"/console/cmdb/{ids['checkout']}")

    topology = one(page.text, "section#ci-topology")
    svg = one(topology, "svg.topology")
    assert svg["aria-label"] == "Topology around checkout"
    assert linked(svg) == {ids["Online store"], ids["ACME Corp"], ids["payments"], ids["payments-db"]}
    assert one(svg, "g.node.center")["data-ci"] == ids["checkout"]
    assert len(select(svg, 'g.edge path[marker-end="url(#topology-arrow)"]')) == 4
    assert set(texts(svg, "g.edge text")) == {"depends on"}
    assert one(svg, f'a.node[href="/console/cmdb/{ids["Online store"]}"]')["class"] == ["node", "upstream", "d1"]
    assert one(svg, f'a.node[href="/console/cmdb/{ids["payments-db"]}"]')["class"] == ["node", "downstream", "d2"]
    assert "4 CIs within 2 steps (both)" in text(topology) and "truncated" not in str(topology)


async def test_a_smaller_depth_draws_only_the_nearest(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.http.get(f"/console/cmdb/{ids['checkout']}?depth=1&direction=both", headers=TOPOLOGY)

    assert response.status_code == 200
    assert root(response.text).name == "section" and root(response.text)["id"] == "ci-topology"
    assert not has(response.text, "html") and not has(response.text, "#ci-history")
    assert linked(response.text) == {ids["Online store"], ids["payments"]}
    assert texts(response.text, "#topology-depth option[selected]") == ["1"]


async def test_one_direction_follows_relationships_that_way_only(owner, db):
    ids = await shop(db, owner.tenant)

    down = await owner.http.get(f"/console/cmdb/{ids['checkout']}?depth=4&direction=downstream", headers=TOPOLOGY)
    up = await owner.get(f"/console/cmdb/{ids['checkout']}?depth=4&direction=upstream")

    assert linked(down.text) == {ids["payments"], ids["payments-db"]}
    assert not has(down.text, "svg.topology .node.upstream")
    assert linked(one(up.text, "section#ci-topology")) == {ids["Online store"], ids["ACME Corp"]}
    assert [radio["value"] for radio in select(up.text, '#topology-form input[name="direction"][checked]')] == [
        "upstream"]


async def test_a_depth_out_of_range_is_refused_and_the_default_drawn(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.http.get(f"/console/cmdb/{ids['checkout']}?depth=9&direction=sideways", headers=TOPOLOGY)

    assert "Check what you entered. Depth must be one of 1, 2, 3, 4." in alerts(response.text)
    assert "Check what you entered. Direction must be one of both, downstream, upstream." in alerts(response.text)
    assert len(linked(response.text)) == 4


async def test_a_neighbourhood_larger_than_the_view_is_marked_truncated(owner, db):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        cluster = await create_ci(tx, draft=CiDraft("kubernetes_cluster", "big-cluster"), actor="test")
        for n in range(151):
            pod = await create_ci(tx, draft=CiDraft("container", f"pod-{n:03d}"), actor="test")
            await create_relationship(tx, type="member_of", source_id=pod.id, target_id=cluster.id, actor="test")

    response = await owner.http.get(f"/console/cmdb/{cluster.id}?depth=1", headers=TOPOLOGY)

    assert texts(response.text, "strong#topology-truncated") == ["truncated"]
    assert len(linked(response.text)) == 149  # the view holds 150 CIs, the centre included
