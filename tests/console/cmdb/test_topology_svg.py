"""The topology SVG module: sides, columns, positions, edges clipped to boxes, links and escaping."""

from __future__ import annotations

from console.views.cmdb.topology_svg import Box, Edge, Graph, Node, border_point, columns, layout, sides, topology_svg
from tests.console.html import has, one, root, select, texts

# checkout depends on payments and search; payments on payments-db; the store and the web front on checkout.
NODES = (Node("c", "checkout", "application_service", 0), Node("p", "payments", "application_service", 1),
         Node("s", "search", "application_service", 1), Node("db", "payments-db", "database", 2),
         Node("store", "Online store", "business_service", 1), Node("web", "web", "application_service", 1))
EDGES = (Edge("e1", "depends on", "c", "p"), Edge("e2", "depends on", "c", "s"), Edge("e3", "depends on", "p", "db"),
         Edge("e4", "depends on", "store", "c"), Edge("e5", "depends on", "web", "c"))
GRAPH = Graph(center="c", nodes=NODES, edges=EDGES)


def href(ci_id: str) -> str:
    return f"/console/cmdb/{ci_id}"


def test_downstream_goes_right_and_upstream_left_by_the_first_step():
    assert sides(GRAPH) == {"c": 0, "p": 1, "s": 1, "db": 1, "store": -1, "web": -1}


def test_a_one_way_view_puts_everything_on_its_side():
    assert set(sides(GRAPH, "downstream").values()) == {0, 1}
    assert sides(GRAPH, "upstream")["p"] == -1


def test_columns_follow_depth_and_children_follow_their_parents_order():
    found = {column: [node.id for node in nodes] for column, nodes in columns(GRAPH).items()}

    assert found == {0: ["c"], 1: ["p", "s"], 2: ["db"], -1: ["store", "web"]}


def test_positions_are_distinct_and_the_centre_is_in_the_middle():
    points, (width, height) = layout(GRAPH)

    assert len(set(points.values())) == len(NODES)
    assert points["c"] == (width / 2, height / 2)
    assert points["store"][0] < points["c"][0] < points["p"][0] < points["db"][0]
    assert points["p"][0] == points["s"][0] and points["p"][1] != points["s"][1]


def test_boxes_in_a_column_do_not_overlap_and_stay_inside_the_drawing():
    box = Box()
    points, (width, height) = layout(GRAPH, box=box)

    for x, y in points.values():
        assert box.node_width / 2 <= x <= width - box.node_width / 2
        assert box.node_height / 2 <= y <= height - box.node_height / 2
    assert abs(points["p"][1] - points["s"][1]) >= box.node_height + box.row_gap


def test_the_layout_is_deterministic_whatever_the_input_order():
    shuffled = Graph(center="c", nodes=tuple(reversed(NODES)), edges=tuple(reversed(EDGES)))

    assert layout(shuffled) == layout(GRAPH)
    assert topology_svg(shuffled, href=href) == topology_svg(GRAPH, href=href)


def test_a_ci_alone_is_drawn_in_the_middle():
    alone = Graph(center="c", nodes=(Node("c", "checkout", "application_service", 0),), edges=())

    points, (width, height) = layout(alone)

    assert points == {"c": (width / 2, height / 2)}


def test_border_point_leaves_the_box_toward_the_other_point():
    assert border_point((0, 0), (100, 0), (10, 5)) == (10, 0)
    assert border_point((0, 0), (0, -50), (10, 5)) == (0, -5)
    assert border_point((0, 0), (0, 0), (10, 5)) == (0, 0)


def test_the_svg_links_each_neighbour_labels_edges_and_marks_their_heads():
    svg = str(topology_svg(GRAPH, href=href, title="Topology around checkout"))

    drawing = root(svg)
    assert (drawing.name, drawing["class"], drawing["aria-label"]) == ("svg", ["topology"], "Topology around checkout")
    assert sorted(node["href"] for node in select(drawing, "a.node")) == sorted(
        href(node.id) for node in NODES if node.id != "c")
    assert one(drawing, "g.node.center")["data-ci"] == "c" and not has(drawing, 'a[href="/console/cmdb/c"]')
    assert len(select(drawing, 'g.edge path[marker-end="url(#topology-arrow)"]')) == len(EDGES)
    assert texts(drawing, "g.edge text") == ["depends on"] * len(EDGES)
    assert "style=" not in svg


def test_names_are_escaped_and_long_ones_shortened():
    graph = Graph(center="c", nodes=(Node("c", "<b>checkout</b>", "application_service", 0),
                                     Node("x", "a-very-long-service-name-indeed", "host", 1)),
                  edges=(Edge("e", "runs on", "c", "x"),))

    svg = str(topology_svg(graph, href=href))

    assert "<b>" not in svg and "&lt;b&gt;checkout&lt;/b&gt;" in svg
    [node] = select(svg, 'a.node[href="/console/cmdb/x"]')
    assert texts(node, "text.name") == ["a-very-long-service-n…"]
    assert texts(node, "title")[0].startswith("a-very-long-service-name-indeed (host)")
