"""The dashboard's charts, drawn as SVG by pygal and served as same-origin images.

Each chart is an <img> on the page (the page's CSP allows no inline style, which pygal's SVG
carries); its response has a CSP of its own that lets the SVG's style apply and runs no
script. pygal's tooltip script is neither linked (js=[]) nor kept inline.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from xml.etree import ElementTree

import pygal
from flask_babel import gettext as _
from pygal.etree import etree as pygal_etree
from pygal.style import Style

from app.labels import CATEGORY_LABELS
from app.services import metrics

# pygal switches to lxml when it is importable (python-docx brings it), and its lxml path fails
# on the charts' comments; the charts are built and post-processed with the standard library.
pygal_etree.to_etree()

#: The CSP of a chart response: its own style, nothing else.
CHART_CSP = {"default-src": "'none'", "style-src": "'unsafe-inline'"}
STYLE = Style(
    font_family="'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
    background="#ffffff", plot_background="#ffffff", foreground="#24292f", foreground_strong="#24292f",
    foreground_subtle="#6e7781", colors=("#0969da", "#cf222e", "#1a7f37", "#bf8700", "#8250df"),
    title_font_size=20, label_font_size=15, major_label_font_size=15, legend_font_size=15,
    value_font_size=14, value_label_font_size=14, tooltip_font_size=14)
SIZE = {"width": 480, "height": 360}


def _config(**options: object) -> dict[str, object]:
    return {"js": [], "style": STYLE, "disable_xml_declaration": True, "legend_at_bottom": True,
            "truncate_label": -1, **SIZE, **options}


def _counts(highest: int) -> dict[str, object]:
    """Whole-number ticks from 0 for a count axis (at most about six)."""
    step = max(1, math.ceil(highest / 5))
    return {"y_labels": list(range(0, highest + step + 1, step)), "range": (0, max(highest, 1))}


def _svg(chart: pygal.graph.graph.Graph) -> str:
    """The chart's SVG without pygal's inline configuration script."""
    tree = chart.render_tree()
    for defs in tree.iter("defs"):
        for script in list(defs.iter("script")):
            defs.remove(script)
    return ElementTree.tostring(tree, encoding="unicode")


def trend(f: metrics.Filter) -> str:
    """Visits and findings per ISO week."""
    weeks = metrics.weeks(f)
    highest = max([w.findings for w in weeks] + [w.visits for w in weeks] + [0])
    chart = pygal.Line(**_config(title=_("Visits and findings per week"), x_label_rotation=30,
                                 show_minor_x_labels=False, x_labels_major_every=max(1, len(weeks) // 6),
                                 **_counts(highest)))
    chart.x_labels = [w.label for w in weeks]
    chart.add(_("Visits"), [w.visits for w in weeks])
    chart.add(_("Findings"), [w.findings for w in weeks])
    return _svg(chart)


def categories(f: metrics.Filter) -> str:
    """Findings per category."""
    counts = metrics.summary(f, f.end).by_category
    chart = pygal.HorizontalBar(**_config(title=_("Findings per category"), show_legend=False, print_values=True,
                                          height=420, **_counts(max([*counts.values(), 0]))))
    chart.x_labels = [str(CATEGORY_LABELS[c]) for c in counts]
    chart.add(_("Findings"), list(counts.values()))
    return _svg(chart)


def waits(f: metrics.Filter) -> str:
    """How many visits waited how long."""
    bins = metrics.waits(f)
    chart = pygal.Bar(**_config(title=_("Waits (minutes)"), show_legend=False, print_values=True,
                                x_label_rotation=30, **_counts(max([b.visits for b in bins] + [0]))))
    chart.x_labels = [f"{b.low}–{b.high}" if b.high is not None else f"≥{b.low}" for b in bins]
    chart.add(_("Visits"), [b.visits for b in bins])
    return _svg(chart)


def halls(f: metrics.Filter) -> str:
    """Halls by longitude and latitude, sized and coloured by their open issues (no map tiles)."""
    points = metrics.halls(f)
    pad = 0.01
    lons, lats = [p.longitude for p in points] or [0.0], [p.latitude for p in points] or [0.0]
    chart = pygal.XY(**_config(title=_("Halls by position: open issues"), stroke=False, print_labels=True,
                               x_title=_("Longitude"), y_title=_("Latitude"), dots_size=6, x_label_rotation=30,
                               xrange=(min(lons) - pad, max(lons) + pad), range=(min(lats) - pad, max(lats) + pad)))
    bands = ((_("No open issue"), 0, 0), (_("1–2 open issues"), 1, 2), (_("3 or more open issues"), 3, None))
    for title, low, high in bands:
        chart.add(title, [
            {"value": (p.longitude, p.latitude), "label": str(number),  # the table's numbers
             "node": {"r": 6 + 4 * math.sqrt(p.open_issues)}}
            for number, p in enumerate(points, start=1) if p.open_issues >= low and (high is None or p.open_issues <= high)])
    return _svg(chart)


CHARTS: dict[str, Callable[[metrics.Filter], str]] = {
    "trend": trend, "categories": categories, "waits": waits, "halls": halls,
}
