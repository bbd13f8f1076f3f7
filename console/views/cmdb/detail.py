"""One CI: its fields and attributes, topology, impact, relationships both ways, history, and its forms.

The page runs ``ConsoleCi`` and, once the CI is found, ``ConsoleCiGraph`` (topology and impact; those
fields refuse an unknown CI, so they are not asked for one). htmx re-reads two blocks from this same
URL, chosen by ``HX-Target``: the topology (``?depth=&direction=``) and the add-relationship form's
picker (``?q=``, CIs whose name contains it).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, path, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status, status_for
from console.views.cmdb.form import values_of
from console.views.cmdb.list import CHOICES, plain
from console.views.cmdb.topology_svg import DIRECTIONS, Edge, Graph, Node, topology_svg

TEMPLATE = "cmdb/ci.html"
BLOCKS = {"ci-topology": "topology", "ci-candidates": "candidates"}
DEPTHS = (1, 2, 3, 4)
DEFAULT_DEPTH = 2
FIELD_ORDER = ("class_key", "name", "description", "environment", "lifecycle_status", "owner_team", "source",
               "attributes", "stale")


def graph_params(params: QueryParams) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The topology's ``depth`` (1-4) and ``direction`` from the URL (defaults: 2, both), and errors."""
    raw_depth, direction, errors = params.get("depth", ""), params.get("direction", "") or "both", []
    depth = int(raw_depth) if raw_depth.isdigit() and int(raw_depth) in DEPTHS else DEFAULT_DEPTH
    if raw_depth and str(depth) != raw_depth:
        errors.append(validation(f"Depth must be one of {', '.join(map(str, DEPTHS))}.", "depth"))
    if direction not in DIRECTIONS:
        errors.append(validation(f"Direction must be one of {', '.join(DIRECTIONS)}.", "direction"))
        direction = "both"
    return {"depth": depth, "direction": direction}, errors


def labels_of(data: dict[str, Any]) -> dict[str, str]:
    """Relationship type keys to their labels ("depends_on" -> "depends on")."""
    return {kind["key"]: kind["label"] for kind in data.get("relationshipTypes") or ()}


def topology_view(request: Request, view: dict[str, Any], labels: dict[str, str], direction: str) -> dict[str, Any]:
    """The API's ``Topology`` as an SVG whose CIs link to their pages."""
    graph = Graph(center=view["center"]["id"],
                  nodes=tuple(Node(n["ci"]["id"], n["ci"]["name"], n["ci"]["classKey"], n["depth"])
                              for n in view["nodes"]),
                  edges=tuple(Edge(e["id"], labels.get(e["type"], e["type"]), e["sourceId"], e["targetId"])
                              for e in view["edges"]))
    svg = topology_svg(graph, direction=direction, title=f"Topology around {view['center']['name']}",
                       href=lambda ci_id: path(request, "console_cmdb_ci", ci_id=ci_id))
    return {"svg": svg, "truncated": view["truncated"], "neighbours": len(graph.nodes) - 1}


def relationships_view(ci: dict[str, Any], labels: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The CI's relationships from its side: outgoing (it is the source) and incoming, each with the other CI."""
    found: dict[str, list[dict[str, Any]]] = {"outgoing": [], "incoming": []}
    for rel in map(plain, ci["relationships"]):
        outgoing = rel["sourceId"] == ci["id"]
        found["outgoing" if outgoing else "incoming"].append(
            {**rel, "label": labels.get(rel["type"], rel["type"]), "other": rel["target" if outgoing else "source"]})
    for rels in found.values():
        rels.sort(key=lambda r: (r["type"], (r["other"] or {}).get("name", "").casefold()))
    return found


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list | bool) else str(value)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, str]]:
    """The fields a change touched, as text: ``{field, before, after}``, the form's fields first."""
    before, after = before or {}, after or {}
    fields = sorted(set(before) | set(after), key=lambda name: (FIELD_ORDER.index(name) if name in FIELD_ORDER
                                                                else len(FIELD_ORDER), name))
    rows = [{"field": name, "before": _shown(before.get(name)), "after": _shown(after.get(name))} for name in fields]
    return [row for row in rows if row["before"] != row["after"]]


def history_view(connection: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Each change, newest first: a relationship as its sentence, anything else as the fields it changed."""
    changes = []
    for edge in connection["edges"]:
        change = edge["node"]
        snapshot = change["after"] or change["before"] or {}
        sentence = None
        if change["relationshipId"]:
            sentence = f"{snapshot.get('source')} {labels.get(snapshot.get('type'), snapshot.get('type'))} " \
                       f"{snapshot.get('target')}"
        changes.append({**change, "sentence": sentence,
                        "diff": [] if sentence else diff(change["before"], change["after"])})
    return changes


def deletion(change: dict[str, Any]) -> dict[str, Any]:
    """What a deleted CI was, from the change that deleted it."""
    state = change["before"] or {}
    return {"name": state.get("name", ""), "class_key": state.get("class_key", ""), "at": change["occurredAt"],
            "by": change["actor"]}


async def candidates(request: Request, search: str, ci_id: str) -> list[dict[str, Any]]:
    """CIs (other than this one) whose name contains ``search``."""
    if not search:
        return []
    data, _ = await run_screen(request, "ConsoleCiCandidates", {"search": search})
    edges = (data.get("configurationItems") or {}).get("edges") or ()
    return [plain(edge["node"]) for edge in edges if edge["node"]["id"] != ci_id]


async def graph_context(request: Request, ci_id: str, params: dict[str, Any], *, with_impact: bool
                        ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The topology (and impact) of a CI that exists, for the template."""
    data, errors = await run_screen(request, "ConsoleCiGraph", {
        "id": ci_id, "depth": params["depth"], "direction": params["direction"].upper(), "withImpact": with_impact})
    found = {"graph": params, "depths": DEPTHS, "directions": DIRECTIONS, "impact": data.get("impact"),
             "needs": data.get("needs"), "topology": None}
    if data.get("topology"):
        found["topology"] = topology_view(request, data["topology"], labels_of(data), params["direction"])
    return found, errors


def _urls(request: Request, ci_id: str) -> dict[str, str]:
    return {"detail_url": path(request, "console_cmdb_ci", ci_id=ci_id)}


async def _block(request: Request, block: str, ci_id: str) -> Response:
    """For htmx: only the topology, or only the picker's matches."""
    context: dict[str, Any] = {"ci": {"id": ci_id}, **_urls(request, ci_id)}
    status = 200
    if block == "topology":
        params, errors = graph_params(request.query_params)
        found, more = await graph_context(request, ci_id, params, with_impact=False)
        context.update(found, graph_errors=errors + more)
        status = 200 if found["topology"] else status_for(more)
    else:
        context["search"] = request.query_params.get("q", "").strip()
        context.update(candidates=await candidates(request, context["search"], ci_id), relation={})
    return await page(request, TEMPLATE, context, block=block, status_code=status)


async def ci_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                    values: dict[str, Any] | None = None, relation: dict[str, Any] | None = None) -> Response:
    """The CI's page (or, for htmx, the block its ``HX-Target`` names), with a change's outcome."""
    ci_id = request.path_params["ci_id"]
    block = BLOCKS.get(request.headers.get("HX-Target", "")) if request.method == "GET" else None
    if block:
        return await _block(request, block, ci_id)
    data, errors = await run_screen(request, "ConsoleCi", {"id": ci_id})
    ci = plain(data["configurationItem"]) if data.get("configurationItem") else None
    history, deleted = data.get("ciHistory") or {"edges": [], "pageInfo": {"hasNextPage": False}}, None
    if not ci and history["edges"] and history["edges"][0]["node"]["action"] == "deleted":
        deleted = deletion(history["edges"][0]["node"])
    elif not ci and not errors:
        errors = [{"code": "NOT_FOUND", "message": "No such configuration item in this tenant.", "field": None}]
    context = {"errors": errors, "outcome": outcome or {}, "ci": ci, **CHOICES,
               "can_change": may(data, "cmdb.write", "cmdb"),
               "values": values or (values_of(ci) if ci else {}), "relation": relation or {}, **_urls(request, ci_id),
               "relationship_types": data.get("relationshipTypes") or [], "search": "", "candidates": [],
               "deleted": deleted, "history": history_view(history, labels_of(data)),
               "history_more": history["pageInfo"]["hasNextPage"]}
    if ci:
        labels = labels_of(data)
        params, graph_errors = graph_params(request.query_params)
        found, more = await graph_context(request, ci_id, params, with_impact=True)
        search = request.query_params.get("q", "").strip() or (relation or {}).get("q", "")
        context.update(found, graph_errors=graph_errors + more, relationships=relationships_view(ci, labels),
                       ci_class=next((c for c in data["ciClasses"] if c["key"] == ci["classKey"]), None),
                       search=search, candidates=await candidates(request, search, ci_id))
    status = screen_status(outcome, errors, loaded=bool(ci or deleted))
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def ci_page(request: Request) -> Response:
    """GET /console/cmdb/{ci_id}[?depth=&direction=&q=]: everything about one CI."""
    return await ci_screen(request)


routes = [Route("/cmdb/{ci_id}", signed_in(ci_page), methods=["GET"], name="console_cmdb_ci")]
