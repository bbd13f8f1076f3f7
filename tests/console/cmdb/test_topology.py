"""The topology on a CI's page: a server-rendered SVG whose neighbours link to their pages, re-read alone
by htmx when the depth or the direction change, marked when the API truncates it."""

from __future__ import annotations

import re

from domain.cmdb.service import CiDraft, create_ci, create_relationship
from tests.console.cmdb.helpers import section, shop

TOPOLOGY = {"HX-Request": "true", "HX-Target": "ci-topology"}


def linked(svg: str) -> set[str]:
    """The CI ids the drawing links to."""
    return set(re.findall(r'<a class="node [^"]*" href="/console/cmdb/([^"]+)"', svg))


async def test_the_page_draws_the_neighbourhood_two_steps_both_ways(owner, db):
    ids = await shop(db, owner.tenant)

    page = await owner.get(f"/console/cmdb/{ids['checkout']}")

    svg = section(page.text, "ci-topology")
    assert '<svg class="topology"' in svg and 'aria-label="Topology around checkout"' in svg
    assert linked(svg) == {ids["Online store"], ids["ACME Corp"], ids["payments"], ids["payments-db"]}
    assert f'<g class="node center" data-ci="{ids["checkout"]}">' in svg
    assert svg.count('marker-end="url(#topology-arrow)"') == 4 and ">depends on</text>" in svg
    assert f'class="node upstream d1" href="/console/cmdb/{ids["Online store"]}"' in svg
    assert f'class="node downstream d2" href="/console/cmdb/{ids["payments-db"]}"' in svg
    assert "4 CIs within 2 steps (both)" in svg and "truncated" not in svg


async def test_a_smaller_depth_draws_only_the_nearest(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.http.get(f"/console/cmdb/{ids['checkout']}?depth=1&direction=both", headers=TOPOLOGY)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="ci-topology"')
    assert "<html" not in response.text and 'id="ci-history"' not in response.text
    assert linked(response.text) == {ids["Online store"], ids["payments"]}
    assert '<option value="1" selected>1</option>' in response.text


async def test_one_direction_follows_relationships_that_way_only(owner, db):
    ids = await shop(db, owner.tenant)

    down = await owner.http.get(f"/console/cmdb/{ids['checkout']}?depth=4&direction=downstream", headers=TOPOLOGY)
    up = await owner.get(f"/console/cmdb/{ids['checkout']}?depth=4&direction=upstream")

    assert linked(down.text) == {ids["payments"], ids["payments-db"]}
    assert "node upstream" not in down.text
    assert linked(section(up.text, "ci-topology")) == {ids["Online store"], ids["ACME Corp"]}
    assert 'value="upstream" checked' in up.text


async def test_a_depth_out_of_range_is_refused_and_the_default_drawn(owner, db):
    ids = await shop(db, owner.tenant)

    response = await owner.http.get(f"/console/cmdb/{ids['checkout']}?depth=9&direction=sideways", headers=TOPOLOGY)

    assert "<code>VALIDATION</code> Depth must be one of 1, 2, 3, 4." in response.text
    assert "<code>VALIDATION</code> Direction must be one of both, downstream, upstream." in response.text
    assert len(linked(response.text)) == 4


async def test_a_neighbourhood_larger_than_the_view_is_marked_truncated(owner, db):
    async with db.transaction(tenant_id=owner.tenant.tenant_id) as tx:
        cluster = await create_ci(tx, draft=CiDraft("kubernetes_cluster", "big-cluster"), actor="test")
        for n in range(151):
            pod = await create_ci(tx, draft=CiDraft("container", f"pod-{n:03d}"), actor="test")
            await create_relationship(tx, type="member_of", source_id=pod.id, target_id=cluster.id, actor="test")

    response = await owner.http.get(f"/console/cmdb/{cluster.id}?depth=1", headers=TOPOLOGY)

    assert '<strong id="topology-truncated">truncated</strong>' in response.text
    assert len(linked(response.text)) == 149  # the view holds 150 CIs, the centre included
