"""The explorer's HTML: pyvis assembles each page's network, rendered into our own template
(kg/static/explorer/) with vis-network's JS and CSS inlined from pyvis's bundled copy — no
Bootstrap, no CDN, no request leaving the machine (a Content-Security-Policy enforces it).

Page data travels as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and
``&`` escaped, and the page's script inserts every data string with ``textContent``.

>>> script_json({"label": "</script><script>alert(1)</script> & co"})
'{"label":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e \\\\u0026 co"}'
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from kg.explorer.graph import CATEGORY_STYLE
from kg.explorer.layout import WRAP_PX

STATIC = Path(__file__).resolve().parent.parent / "static" / "explorer"
VIS_OPTIONS = {
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "interaction": {"hover": True, "hideEdgesOnDrag": False, "tooltipDelay": 300,
                    "multiselect": False, "navigationButtons": False},
    "nodes": {"borderWidth": 1, "font": {"size": 14, "face": "sans-serif",
                                         "strokeWidth": 3, "strokeColor": "#ffffff"}},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
              "color": {"color": "#9aa5b1", "highlight": "#1f2933", "hover": "#1f2933"},
              "font": {"size": 10, "color": "#52606d", "strokeWidth": 3, "align": "middle"},
              "smooth": False, "width": 1, "selectionWidth": 2},
}


def script_json(obj) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' characters."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _vis_assets() -> tuple[str, str]:
    """vis-network's minified JS and CSS from the copy pyvis ships (newest version)."""
    import pyvis
    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib"
    folder = sorted(lib.glob("vis-*/vis-network.min.js"),
                    key=lambda p: tuple(int(x) for x in p.parent.name[4:].split(".")))[-1].parent
    js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    css = (folder / "vis-network.css").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _env():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(STATIC)), autoescape=True,
                              keep_trailing_newline=True)


def _swatch(category: str) -> str:
    """A small SVG of the category's colour and shape, for the legend (constants only)."""
    colour, shape, _ = CATEGORY_STYLE[category]
    body = {
        "dot": '<circle cx="8" cy="8" r="6"/>',
        "square": '<rect x="2" y="2" width="12" height="12"/>',
        "diamond": '<polygon points="8,1 15,8 8,15 1,8"/>',
        "triangle": '<polygon points="8,1 15,14 1,14"/>',
        "triangleDown": '<polygon points="1,2 15,2 8,15"/>',
        "hexagon": '<polygon points="4,2 12,2 15,8 12,14 4,14 1,8"/>',
        "star": '<polygon points="8,1 10,6 15,6 11,9.5 12.5,15 8,11.5 3.5,15 5,9.5 1,6 6,6"/>',
    }[shape]
    return (f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
            f'<g fill="{colour}" stroke="#333" stroke-width="0.8">{body}</g></svg>')


def node_size(support: int) -> float:
    """Node radius from the number of evidence items touching the entity.

    >>> node_size(0), node_size(4), node_size(400)
    (10.0, 18.0, 42.0)
    """
    return round(min(10 + 4 * math.sqrt(support), 42.0), 1)


def _network(g, page, pages_of: dict[str, str]):
    """The page's nodes and edges, assembled with pyvis."""
    from pyvis.network import Network
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    for node in page.nodes:
        rec = g.entities[node]
        colour, shape, _ = CATEGORY_STYLE[rec["category"]]
        x, y = page.positions[node]
        focus = node == page.focus
        extra = {"widthConstraint": {"maximum": WRAP_PX}} if page.layers else {}
        net.add_node(node, label=rec["label"], shape=shape, size=node_size(g.support(node)),
                     x=x, y=y, physics=False, category=rec["category"],
                     color={"background": colour, "border": "#111111" if focus else "#3e4c59",
                            "highlight": {"background": colour, "border": "#000000"},
                            "hover": {"background": colour, "border": "#000000"}},
                     borderWidth=3 if focus else 1, **extra)
    pairs: dict[frozenset, int] = {}
    for i, (s, rel, o) in enumerate(page.edges):
        pair = frozenset((s, o))
        k = pairs[pair] = pairs.get(pair, -1) + 1
        options = {"id": f"e{i}", "label": g.relation_words(rel),
                   "dashes": not g.edge_evidence.get((s, rel, o))}
        if k:
            options["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.15 * k}
        net.add_edge(s, o, **options)
    net.set_options(json.dumps(VIS_OPTIONS))
    nodes, edges, _, _, _, options = net.get_network_data()
    return nodes, edges, json.loads(options)


def _entity_record(g, node: str, pages_of: dict[str, str]) -> dict:
    rec = g.entities[node]
    return {"label": rec["label"], "iri": rec["iri"], "category": rec["category"],
            "types": rec["types"], "definition": rec["definition"],
            "synonyms": rec["synonyms"], "xrefs": rec["xrefs"],
            "evidence": g.node_evidence.get(node, []), "page": pages_of.get(node)}


def _page_data(g, page, pages_of: dict[str, str]) -> dict:
    nodes, edges, options = _network(g, page, pages_of)
    edge_info, wanted = {}, set()
    for i, key in enumerate(page.edges):          # the ids _network gave the edges
        ev = g.edge_evidence.get(key, [])
        edge_info[f"e{i}"] = {"from": key[0], "relation": key[1], "to": key[2],
                              "words": g.relation_words(key[1]), "evidence": ev}
        wanted.update(ev)
    entities = {n: _entity_record(g, n, pages_of) for n in page.nodes}
    for rec in entities.values():
        wanted.update(rec["evidence"])
    return {"page": {"name": page.name, "title": page.title, "kind": page.kind,
                     "focus": page.focus, "description": page.description},
            "nodes": nodes, "edges": edges, "options": options, "entities": entities,
            "edgeInfo": edge_info,
            "evidence": {i: g.evidence[i] for i in sorted(wanted)}}


def _legend(page, g) -> list[dict]:
    from collections import Counter

    from markupsafe import Markup
    counts = Counter(g.entities[node]["category"] for node in page.nodes)
    return [{"name": c, "count": counts.get(c, 0), "swatch": Markup(_swatch(c))}
            for c in CATEGORY_STYLE]


def render_page(g, page, pages_of: dict[str, str], assets: tuple[str, str]) -> str:
    from markupsafe import Markup
    data = _page_data(g, page, pages_of)
    return _env().get_template("page.html").render(
        title=page.title, description=page.description, legend=_legend(page, g),
        stats=f"{len(page.nodes)} entities, {len(page.edges)} relations",
        vis_js=Markup(assets[0]), vis_css=Markup(assets[1]),
        explorer_js=Markup(_static("common.js", "explorer.js")), explorer_css=Markup(_static("explorer.css")),
        data=Markup(script_json(data)))


def _static(*names: str) -> str:
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in names)


def render_index(g, pages, pages_of: dict[str, str]) -> str:
    from markupsafe import Markup
    groups = [("Overview", [p for p in pages if p.kind == "overview"]),
              ("Relapse and failure phenotypes: mechanisms and strategies",
               [p for p in pages if p.kind == "phenotype"]),
              ("Mechanism families", [p for p in pages if p.kind == "family"]),
              ("Focus", [p for p in pages if p.kind == "focus"])]
    listing = [{"heading": h, "pages": [{"file": f"{p.name}.html", "title": p.title,
                                         "stats": f"{len(p.nodes)} entities, "
                                                  f"{len(p.edges)} relations"} for p in ps]}
               for h, ps in groups if ps]
    entities = [{"id": n, "label": r["label"], "iri": r["iri"], "synonyms": r["synonyms"],
                 "category": r["category"], "page": pages_of.get(n)}
                for n, r in g.entities.items()]
    return _env().get_template("index.html").render(
        listing=listing, legend=[{"name": c, "swatch": Markup(_swatch(c))}
                                 for c in CATEGORY_STYLE],
        stats=f"{len(g.entities)} entities, {len(g.edges)} relations, "
              f"{len(g.evidence)} evidence items",
        index_js=Markup(_static("common.js", "index.js")), explorer_css=Markup(_static("explorer.css")),
        data=Markup(script_json({"entities": entities})))


def write_site(g, pages, out: Path) -> list[Path]:
    """Write index.html and one HTML file per page into ``out``; returns the files."""
    from kg.files import write_atomically
    out.mkdir(parents=True, exist_ok=True)
    pages_of = {p.focus: f"{p.name}.html" for p in pages if p.kind in ("family", "phenotype")}
    assets = _vis_assets()
    written = []
    for page in pages:
        path = out / f"{page.name}.html"
        write_atomically(path, render_page(g, page, pages_of, assets))
        written.append(path)
    index = out / "index.html"
    write_atomically(index, render_index(g, pages, pages_of))
    return [index, *written]
