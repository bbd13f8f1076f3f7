"""CI classes: the hierarchy with each class's parent and own attributes; tenant classes added with inline
errors, usable for new CIs and the list's class filter, and deleted."""

from __future__ import annotations

from tests.console.html import beside, cells, has, one, text, texts

PROBE = {"key": "edge_probe", "label": "Edge probe", "parent": "host",
         "schema": '{"type": "object", "properties": {"site": {"type": "string"}}}'}


async def test_the_classes_show_their_parent_and_own_attributes(owner):
    page = await owner.get("/console/cmdb/classes")

    assert page.status_code == 200
    vm = one(page.text, "#class-virtual_machine")
    assert cells(vm)[0] == "· Virtual machine" and cells(vm)[2] == "host" and texts(vm, "td:nth-of-type(3) code") == [
        "host"]
    assert "hypervisor" in texts(vm, "td .tag") and texts(vm, "td.actions") == ["built in"]
    current = one(page.text, 'a[href="/console/cmdb/classes"][aria-current="page"]')
    assert current["class"] == ["active"] and text(current) == "Classes"


async def test_a_tenant_class_is_added_and_used_by_the_forms_and_filters(owner):
    added = await owner.post("/console/cmdb/classes", PROBE, htmx=True)

    assert added.status_code == 200 and "Class Edge probe (edge_probe) added." in added.text
    row = one(added.text, "#class-edge_probe")
    assert cells(row)[0] == "· Edge probe" and texts(row, "td .tag") == ["site"] and "Delete" in cells(row)[4]
    created = await owner.post("/console/cmdb/new", {"class_key": "edge_probe", "name": "probe-1",
                                                     "environment": "production", "lifecycle_status": "active",
                                                     "attributes": '{"site": "fra", "os": "linux"}'})
    assert created.status_code == 303
    hosts = await owner.get("/console/cmdb?class=host")
    assert "probe-1" in texts(hosts.text, "#cis tr td a")  # a kind of host


async def test_a_schema_that_is_not_json_or_not_a_schema_is_refused_beside_it(owner):
    not_json = await owner.post("/console/cmdb/classes", {**PROBE, "schema": "{type: object}"})
    not_schema = await owner.post("/console/cmdb/classes", {**PROBE, "schema": '{"type": "array"}'})
    bad_key = await owner.post("/console/cmdb/classes", {**PROBE, "key": "Edge Probe"})

    assert not_json.status_code == 400
    assert beside(not_json.text, "class-schema").startswith(
        "The schema is not valid JSON: Expecting property name enclosed in double quotes")
    assert beside(not_schema.text, "class-schema") == "The attribute schema must be a JSON Schema of type object."
    assert beside(bad_key.text, "class-key") == "Class keys are 2-64 lowercase letters, digits and underscores."
    assert one(bad_key.text, "#class-key")["value"] == "Edge Probe"
    assert not has((await owner.get("/console/cmdb/classes")).text, "#class-edge_probe")


async def test_a_tenant_class_is_deleted(owner):
    await owner.post("/console/cmdb/classes", PROBE)

    deleted = await owner.post("/console/cmdb/classes/edge_probe/delete", htmx=True)

    assert deleted.status_code == 200 and "Class edge_probe deleted." in deleted.text
    assert not has(deleted.text, "#class-edge_probe")
