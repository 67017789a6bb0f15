"""status_page: read the HTML status page (docs/status.md) back into facts, and
check them against the JSON report of the same moment.

Used by test_status_html.py (the page as httpd sends it) and by
tests/browser/test_status_page.py (the page as Chromium rendered it, from
--dump-dom). Only the standard library: html.parser builds a small tree.
"""

import html.parser

VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"))


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def words(self):
        """The text with its white space collapsed."""
        return " ".join(self.text().split())

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, cls=None, id=None):  # pylint: disable=redefined-builtin
        return [n for n in self.walk()
                if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
                and (id is None or n.attrs.get("id") == id)]

    def find(self, tag=None, cls=None, id=None):  # pylint: disable=redefined-builtin
        found = self.find_all(tag, cls, id)
        return found[0] if found else None


class _Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(text):
    b = _Builder()
    b.feed(text)
    b.close()
    return b.root


def facts(root):
    """What the page says, as plain Python values."""
    out = {"meta_refresh": None, "sources": [], "refusals": [], "zeros": None}
    for meta in root.find_all("meta"):
        if (meta.attrs.get("http-equiv") or "").lower() == "refresh":
            out["meta_refresh"] = meta.attrs.get("content")
    for key in ("accepted", "refused", "hit-rate", "shared-rate", "dpop-store"):
        box = root.find(id=key)
        out[key] = box.find("b").words() if box is not None and box.find("b") else None
    for sec in root.find_all("section", cls="source"):
        health = sec.find("p", cls="health")
        err = sec.find("p", cls="err")
        tables = sec.find_all("table", cls="keys")
        out["sources"].append({
            "badge": health.find("span", cls="badge").words(),
            "badge_class": health.find("span", cls="badge").classes(),
            "uri": health.find("code", cls="uri").text(),
            "line": health.words(),
            "error": err.words() if err is not None else None,
            "tables": len(tables),
            "keys": [[td.words() for td in tr.find_all("td")]
                     for t in tables for tr in t.find_all("tr", cls="key")],
        })
    for tr in root.find_all("tr", cls="reason"):
        cells = [td.words() for td in tr.find_all("td")]
        bar = tr.find("div", cls="bar")
        out["refusals"].append((cells[0], int(cells[1]), bar.attrs.get("style") if bar else None))
    zeros = root.find("details", cls="zeros")
    if zeros is not None:
        out["zeros"] = (zeros.find("summary").words(),
                        [c.text() for c in zeros.find_all("code")])
    out["tags"] = {n.tag for n in root.walk()}
    return out


def hit_rate(hits, misses):
    """The figure the page shows for a cache's hits and misses."""
    return "%.1f %%" % (100.0 * hits / (hits + misses)) if hits + misses else "\u2014"


def check(page, report):
    """Assert that the page's facts (facts()) show the JSON report faithfully."""
    req, tc = report["requests"], report["token_cache"]
    assert page["accepted"] == str(req["accepted"]), page
    assert page["refused"] == str(req["refused_total"]), page
    assert page["hit-rate"] == hit_rate(tc["hits"], tc["misses"]), (page, tc)
    # a source per section, its health word, one table with a row per key
    assert len(page["sources"]) == len(report["key_sources"])
    for shown, src in zip(page["sources"], report["key_sources"]):
        assert shown["uri"] == src["uri"]
        assert shown["badge"] == src["health"] and src["health"] in shown["badge_class"]
        assert shown["tables"] == 1, shown
        assert [row[0] for row in shown["keys"]] == [k["kid"] or "(none)" for k in src["keys"]]
        for row, key in zip(shown["keys"], src["keys"]):
            assert row[1] == key["kty"]
            if key["unusable"]:
                assert row[4].startswith("\u2717 " + key["unusable"]), row
            else:
                assert row[4] == "\u2713 usable", row
    # refusals: the non-zero reasons, largest first, bars relative to the first
    counted = sorted(((k, n) for k, n in req["refused"].items() if n), key=lambda x: (-x[1], x[0]))
    assert [(name, n) for name, n, _ in page["refusals"]] == counted, page["refusals"]
    if counted:
        assert page["refusals"][0][2] == "width:100.0%"
    zero = sorted(k for k, n in req["refused"].items() if not n)
    if zero:
        assert page["zeros"] == ("%d reason%s at zero" % (len(zero), "" if len(zero) == 1 else "s"),
                                 zero), page["zeros"]
    else:
        assert page["zeros"] is None
    # nothing that runs or loads anything
    assert not page["tags"] & {"script", "img", "iframe", "object", "embed", "link", "form"}, \
        page["tags"]
