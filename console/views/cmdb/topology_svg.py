"""Server-side SVG of a CI's neighbourhood: a layered layout by distance from the centre.

The centre CI sits in the middle; what it reaches along relationships (downstream: the CIs it points
at) goes to the right, one column per step, and what reaches it (upstream) to the left. Within a column
CIs follow the place of the neighbour that brought them there, then their name, so the same graph is
always drawn the same way. Pure functions from plain data to markup, no browser code: the SVG uses
classes and presentation attributes only (the console's CSP forbids inline styles); colours come from
console/static/cmdb.css::

    graph = Graph(center="c", nodes=(Node("c", "checkout", "application_service", 0),
                                     Node("p", "payments", "application_service", 1)),
                  edges=(Edge("e", "depends on", "c", "p"),))
    svg = topology_svg(graph, href=lambda ci_id: f"/console/cmdb/{ci_id}")
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

DIRECTIONS = ("both", "downstream", "upstream")
NAME_CHARS = 22


@dataclass(frozen=True)
class Node:
    """A CI of the view and its distance (in relationships) from the centre."""

    id: str
    name: str
    class_key: str
    depth: int


@dataclass(frozen=True)
class Edge:
    """``source <label> target``."""

    id: str
    label: str
    source: str
    target: str


@dataclass(frozen=True)
class Graph:
    """The centre's id, every CI of the view (the centre included, at depth 0) and the edges among them."""

    center: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True)
class Box:
    """Sizes in SVG units: a CI's box, the gaps between columns and rows, and the margin."""

    node_width: float = 170
    node_height: float = 40
    column_gap: float = 110
    row_gap: float = 26
    margin: float = 24


def sides(graph: Graph, direction: str = "both") -> dict[str, int]:
    """Which side each CI goes: 0 the centre, 1 downstream (right), -1 upstream (left).

    A one-way view puts everything on its side. Both ways, a CI takes the side of the first step from
    the centre on its way there (downstream when either would do).
    """
    if direction != "both":
        side = -1 if direction == "upstream" else 1
        return {node.id: 0 if node.id == graph.center else side for node in graph.nodes}
    depth = {node.id: node.depth for node in graph.nodes}
    found = {graph.center: 0}
    for node in sorted(graph.nodes, key=lambda n: (n.depth, n.id)):
        if node.id == graph.center:
            continue
        options = [_side_through(edge, node.id, found) for edge in graph.edges
                   if node.id in (edge.source, edge.target) and depth.get(_other(edge, node.id)) == node.depth - 1]
        known = [side for side in options if side is not None]
        found[node.id] = max(known) if known else 1
    return found


def _other(edge: Edge, node_id: str) -> str:
    return edge.target if edge.source == node_id else edge.source


def _side_through(edge: Edge, node_id: str, found: dict[str, int]) -> int | None:
    """The side ``node_id`` gets when reached over ``edge`` from a CI already placed."""
    neighbour = _other(edge, node_id)
    if neighbour not in found:
        return None
    if found[neighbour] == 0:
        return 1 if edge.source == neighbour else -1
    return found[neighbour]


def columns(graph: Graph, direction: str = "both") -> dict[int, list[Node]]:
    """The CIs of each column (-depth upstream ... 0 ... +depth downstream), each column in drawing order."""
    side = sides(graph, direction)
    grouped: dict[int, list[Node]] = {}
    for node in graph.nodes:
        grouped.setdefault(side[node.id] * node.depth, []).append(node)
    order: dict[str, int] = {}
    for column in sorted(grouped, key=lambda c: (abs(c), c)):
        inner = column - (1 if column > 0 else -1) if column else None
        grouped[column].sort(key=lambda n: (_parent_rank(graph, n, grouped.get(inner, []), order),
                                            n.name.casefold(), n.id))
        order.update({node.id: rank for rank, node in enumerate(grouped[column])})
    return grouped


def _parent_rank(graph: Graph, node: Node, inner: list[Node], order: dict[str, int]) -> int:
    """The best place, in the next column inwards, of a neighbour of ``node`` (a large number if none)."""
    inner_ids = {n.id for n in inner}
    ranks = [order[_other(e, node.id)] for e in graph.edges
             if node.id in (e.source, e.target) and _other(e, node.id) in inner_ids]
    return min(ranks, default=len(order) + 1)


def layout(graph: Graph, direction: str = "both", box: Box = Box()) -> tuple[dict[str, tuple[float, float]],
                                                                             tuple[float, float]]:
    """(the centre point of each CI's box, the drawing's width and height).

    Both ways, the drawing is symmetric around the centre column, so the centre CI is in the middle.
    """
    grouped = columns(graph, direction)
    reach = max((abs(c) for c in grouped), default=0)
    low, high = (-reach, reach) if direction == "both" else (min(grouped, default=0), max(grouped, default=0))
    rows = max((len(nodes) for nodes in grouped.values()), default=1)
    step_x, step_y = box.node_width + box.column_gap, box.node_height + box.row_gap
    width = 2 * box.margin + (high - low + 1) * step_x - box.column_gap
    height = 2 * box.margin + rows * step_y - box.row_gap
    points = {}
    for column, nodes in grouped.items():
        x = box.margin + (column - low) * step_x + box.node_width / 2
        top = (height - (len(nodes) * step_y - box.row_gap)) / 2
        for row, node in enumerate(nodes):
            points[node.id] = (x, top + row * step_y + box.node_height / 2)
    return points, (width, height)


def border_point(center: tuple[float, float], toward: tuple[float, float], half: tuple[float, float]
                 ) -> tuple[float, float]:
    """Where the ray from a box's ``center`` toward a point leaves the box (of half-sizes ``half``)."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    if dx == 0 and dy == 0:
        return center
    scale = min(half[0] / abs(dx) if dx else math.inf, half[1] / abs(dy) if dy else math.inf)
    return center[0] + dx * scale, center[1] + dy * scale


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _bend(start: tuple[float, float], end: tuple[float, float], box: Box) -> tuple[float, float] | None:
    """A control point that bows an edge around the boxes between its ends (None: a straight line will do)."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    if abs(dx) <= box.node_width + box.column_gap + 1 and abs(dx) > 1:
        return None
    length = math.hypot(dx, dy) or 1
    offset = min(0.35 * length, 2 * box.node_height)
    return (start[0] + end[0]) / 2 + dy / length * offset, (start[1] + end[1]) / 2 - dx / length * offset


def _edge(edge: Edge, points: dict[str, tuple[float, float]], box: Box) -> str:
    """One relationship: a line (or a curve) from box to box with an arrowhead, and its label."""
    start, end = points[edge.source], points[edge.target]
    control = _bend(start, end, box)
    half = (box.node_width / 2, box.node_height / 2)
    a = border_point(start, control or end, half)
    b = border_point(end, control or start, (half[0] + 3, half[1] + 3))
    if control is None:
        shape = f'M{_num(a[0])},{_num(a[1])} L{_num(b[0])},{_num(b[1])}'
        middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    else:
        shape = f'M{_num(a[0])},{_num(a[1])} Q{_num(control[0])},{_num(control[1])} {_num(b[0])},{_num(b[1])}'
        middle = (0.25 * a[0] + 0.5 * control[0] + 0.25 * b[0], 0.25 * a[1] + 0.5 * control[1] + 0.25 * b[1])
    label = escape(edge.label)
    return (f'<g class="edge" data-edge="{escape(edge.id)}"><path d="{shape}" marker-end="url(#topology-arrow)"/>'
            f'<text x="{_num(middle[0])}" y="{_num(middle[1] - 4)}" text-anchor="middle">{label}</text></g>')


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


def _node(node: Node, point: tuple[float, float], side: int, box: Box, href: Callable[[str], str]) -> str:
    """One CI: a box with its name and class; a link to its page unless it is the centre."""
    x, y = point[0] - box.node_width / 2, point[1] - box.node_height / 2
    where = "center" if side == 0 else ("downstream" if side > 0 else "upstream")
    name, kind = escape(node.name), escape(node.class_key)
    inner = (f'<title>{name} ({kind}), {node.depth} step{"" if node.depth == 1 else "s"} away</title>'
             f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(box.node_width)}" '
             f'height="{_num(box.node_height)}" rx="6"/>'
             f'<text class="name" x="{_num(point[0])}" y="{_num(point[1] - 3)}" text-anchor="middle">'
             f'{escape(_short(node.name))}</text>'
             f'<text class="class" x="{_num(point[0])}" y="{_num(point[1] + 12)}" text-anchor="middle">{kind}</text>')
    if side == 0:
        return f'<g class="node center" data-ci="{escape(node.id)}">{inner}</g>'
    return (f'<a class="node {where} d{node.depth}" href="{escape(href(node.id))}" aria-label="{name}" '
            f'data-ci="{escape(node.id)}">{inner}</a>')


ARROW = ('<defs><marker id="topology-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
         'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>')


def topology_svg(graph: Graph, *, href: Callable[[str], str], direction: str = "both", box: Box = Box(),
                 title: str = "Topology") -> Markup:
    """The whole view as an SVG element: edges first, CIs on top."""
    points, (width, height) = layout(graph, direction, box)
    side = sides(graph, direction)
    opening = (f'<svg class="topology" viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
               f'role="group" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">')
    parts = [opening, ARROW]
    parts += [_edge(edge, points, box) for edge in sorted(graph.edges, key=lambda e: e.id)
              if edge.source in points and edge.target in points]
    parts += [_node(node, points[node.id], side[node.id], box, href)
              for node in sorted(graph.nodes, key=lambda n: (n.depth, n.id))]
    parts.append("</svg>")
    return Markup("".join(parts))
