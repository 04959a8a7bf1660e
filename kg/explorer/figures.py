"""Static PNG figures of the explorer's pages, for readers who will not open a browser: the
overview and one per relapse or failure phenotype, drawn with matplotlib (Agg backend) at the
pages' own precomputed positions, with the same colours and shapes and a legend.

Reproducible: fixed layout, sorted drawing order, no timestamp or software in the metadata.
"""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

from kg.explorer.graph import CATEGORY_STYLE
from kg.explorer.html import node_size
from kg.files import write_atomically

FIGURE_KINDS = ("overview", "phenotype")
MAX_INCHES = 30.0
DPI = 100
LABEL_PX = 13.0            # label height on the page, in layout pixels
MARKER = 1.5               # marker diameter per unit of the pages' node size
WRAP_CHARS = 24            # layered pages wrap labels (kg.explorer.layout.WRAP_PX)


def write_figures(g, pages, out: Path) -> list[Path]:
    """Write ``overview.png`` and ``ID.png`` for each phenotype page into ``out``."""
    import matplotlib
    matplotlib.use("Agg", force=True)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for page in pages:
        if page.kind in FIGURE_KINDS:
            path = out / f"{page.name}.png"
            draw(g, page, path)
            written.append(path)
    return written


def draw(g, page, path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    pos = {n: (x, -y) for n, (x, y) in page.positions.items()}     # screen y points down
    xs = [x for x, _ in pos.values()] or [0]
    ys = [y for _, y in pos.values()] or [0]
    margin = 160
    width, height = max(xs) - min(xs) + 2 * margin + 200, max(ys) - min(ys) + 2 * margin
    scale = min(1.0, MAX_INCHES * DPI / max(width, height))        # figure px per layout px
    fig = plt.figure(figsize=(max(width * scale / DPI, 8), max(height * scale / DPI, 6) + 0.8),
                     dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 0.94))
    ax.set_xlim(min(xs) - margin, max(xs) + margin + 200)
    ax.set_ylim(min(ys) - margin, max(ys) + margin)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    points = 72.0 / DPI * scale                                      # points per layout px
    small = page.kind == "overview"
    for s, rel, o in page.edges:
        (x1, y1), (x2, y2) = pos[s], pos[o]
        dashed = not g.edge_evidence.get((s, rel, o))
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1), zorder=1,
                    arrowprops={"arrowstyle": "-" if small else "-|>", "color": "#9aa5b1",
                                "lw": 0.5 if small else 0.9, "shrinkA": 2,
                                "shrinkB": node_size(g.support(o)) * points * MARKER + 2,
                                "linestyle": "--" if dashed else "-", "mutation_scale": 10})
        if not small:
            ax.text((x1 + x2) / 2, (y1 + y2) / 2, g.relation_words(rel), fontsize=max(LABEL_PX * 0.7 * points, 5),
                    color="#52606d", ha="center", va="center", zorder=2,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    for category, (colour, _, marker) in CATEGORY_STYLE.items():
        members = [n for n in page.nodes if g.entities[n]["category"] == category]
        if not members:
            continue
        ax.scatter([pos[n][0] for n in members], [pos[n][1] for n in members], marker=marker,
                   s=[(MARKER * node_size(g.support(n)) * points) ** 2 for n in members],
                   c=colour, edgecolors="#333333", linewidths=0.6, zorder=3)
    for n in page.nodes:
        x, y = pos[n]
        label = textwrap.fill(g.label(n), WRAP_CHARS) if page.layers else g.label(n)
        ax.text(x, y - node_size(g.support(n)) - 3, label, ha="center", va="top", zorder=4,
                fontsize=max(LABEL_PX * points, 4.5), color="#1f2933",
                fontweight="bold" if n == page.focus else "normal")
    handles = [Line2D([], [], marker=m, color="none", markerfacecolor=c, markeredgecolor="#333",
                      markersize=9, label=name) for name, (c, _, m) in CATEGORY_STYLE.items()
               if any(g.entities[n]["category"] == name for n in page.nodes)]
    handles.append(Line2D([], [], color="#9aa5b1", linestyle="--",
                          label="no evidence item of its own"))
    fig.legend(handles=handles, loc="upper right", fontsize=10, frameon=True,
               title="category (size: evidence items)", title_fontsize=10)
    fig.suptitle(f"{page.title} — cartkg ({len(page.nodes)} entities, {len(page.edges)} "
                 "relations)", x=0.01, ha="left", fontsize=14)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    plt.close(fig)
    write_atomically(path, png.getvalue())      # replaces a link there, never writes through it
