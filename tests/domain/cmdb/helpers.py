"""Building small CMDB graphs for tests."""

from domain.cmdb.service import CiDraft, create_ci, create_relationship


async def build(db, tenant, cis: dict[str, str], edges: list[tuple[str, str, str]]) -> dict:
    """Create CIs ``{name: class}`` and relationships ``(source, type, target)``; returns ``{name: id}``."""
    ids = {}
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        for name, class_key in cis.items():
            ids[name] = (await create_ci(tx, draft=CiDraft(class_key=class_key, name=name), actor="test")).id
        for source, type, target in edges:
            await create_relationship(tx, type=type, source_id=ids[source], target_id=ids[target], actor="test")
    return ids
