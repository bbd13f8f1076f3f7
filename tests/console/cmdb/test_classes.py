"""CI classes: the hierarchy with each class's parent and own attributes; tenant classes added with inline
errors, usable for new CIs and the list's class filter, and deleted."""

from __future__ import annotations

from tests.console.cmdb.helpers import FIELD_ERROR, section

PROBE = {"key": "edge_probe", "label": "Edge probe", "parent": "host",
         "schema": '{"type": "object", "properties": {"site": {"type": "string"}}}'}


async def test_the_classes_show_their_parent_and_own_attributes(owner):
    page = await owner.get("/console/cmdb/classes")

    assert page.status_code == 200
    vm = section(page.text, "class-virtual_machine", "</tr>")
    assert "<td>· Virtual machine</td>" in vm and "<td><code>host</code></td>" in vm
    assert '<span class="tag">hypervisor</span>' in vm and "built in" in vm
    assert '<a href="/console/cmdb/classes" class="active" aria-current="page">Classes</a>' in page.text


async def test_a_tenant_class_is_added_and_used_by_the_forms_and_filters(owner):
    added = await owner.post("/console/cmdb/classes", PROBE, htmx=True)

    assert added.status_code == 200 and "Class Edge probe (edge_probe) added." in added.text
    row = section(added.text, "class-edge_probe", "</tr>")
    assert "<td>· Edge probe</td>" in row and '<span class="tag">site</span>' in row and "Delete" in row
    created = await owner.post("/console/cmdb/new", {"class_key": "edge_probe", "name": "probe-1",
                                                     "environment": "production", "lifecycle_status": "active",
                                                     "attributes": '{"site": "fra", "os": "linux"}'})
    assert created.status_code == 303
    hosts = await owner.get("/console/cmdb?class=host")
    assert ">probe-1</a>" in hosts.text  # a kind of host


async def test_a_schema_that_is_not_json_or_not_a_schema_is_refused_beside_it(owner):
    not_json = await owner.post("/console/cmdb/classes", {**PROBE, "schema": "{type: object}"})
    not_schema = await owner.post("/console/cmdb/classes", {**PROBE, "schema": '{"type": "array"}'})
    bad_key = await owner.post("/console/cmdb/classes", {**PROBE, "key": "Edge Probe"})

    assert not_json.status_code == 400
    assert f"{FIELD_ERROR}The schema is not valid JSON: Expecting property name enclosed in double quotes" \
        in section(not_json.text, "new-class")
    assert f"{FIELD_ERROR}The attribute schema must be a JSON Schema of type object.</span>" \
        in section(not_schema.text, "new-class")
    assert f"{FIELD_ERROR}Class keys are 2-64 lowercase letters, digits and underscores.</span>" \
        in section(bad_key.text, "new-class")
    assert 'value="Edge Probe"' in bad_key.text
    assert 'id="class-edge_probe"' not in (await owner.get("/console/cmdb/classes")).text


async def test_a_tenant_class_is_deleted(owner):
    await owner.post("/console/cmdb/classes", PROBE)

    deleted = await owner.post("/console/cmdb/classes/edge_probe/delete", htmx=True)

    assert deleted.status_code == 200 and "Class edge_probe deleted." in deleted.text
    assert 'id="class-edge_probe"' not in deleted.text
