"""XMP merging: darktable- and Lightroom-written sidecars keep every other field; our
keyword, hierarchy, score, label and rating land where the tools read them; bad input is
refused, never clobbered."""

from __future__ import annotations

from xml.dom import minidom

import pytest

from dropletcleaner.core.library.xmp import (
    APP_NS,
    DC_NS,
    LR_NS,
    RDF_NS,
    XMP_NS,
    DropletTags,
    XmpError,
    keywords,
    merge,
)
from tests.xmp_fixtures import DARKTABLE, LIGHTROOM

TAGS = DropletTags(0.97314, "droplet-v3", label="Red", reject=True)
OURS = {(APP_NS, "score"), (APP_NS, "model"), (XMP_NS, "Label"), (XMP_NS, "Rating")}


def _facts(data: bytes) -> set[tuple[str, ...]]:
    """Every attribute and text of a sidecar, by namespace URI and path: what tools read."""
    out: set[tuple[str, ...]] = set()

    def walk(node: minidom.Element, path: tuple[str, ...]) -> None:
        here = (*path, f"{{{node.namespaceURI}}}{node.localName}")
        for attr in node.attributes.values():
            if attr.name.startswith("xmlns") or (attr.namespaceURI, attr.localName) in OURS:
                continue
            out.add((*here, f"@{{{attr.namespaceURI}}}{attr.localName}", attr.value))
        text = "".join(n.data for n in node.childNodes if isinstance(n, minidom.Text)).strip()
        if text:
            out.add((*here, text))
        for child in node.childNodes:
            if isinstance(child, minidom.Element):
                walk(child, here)

    walk(minidom.parseString(data).documentElement, ())
    return out


def _value(data: bytes, ns: str, local: str) -> str | None:
    doc = minidom.parseString(data)
    for d in doc.getElementsByTagNameNS(RDF_NS, "Description"):
        if d.hasAttributeNS(ns, local):
            return str(d.getAttributeNS(ns, local))
    return None


def _bag(data: bytes, ns: str, local: str) -> list[str]:
    doc = minidom.parseString(data)
    return [
        li.firstChild.data  # type: ignore[union-attr]
        for prop in doc.getElementsByTagNameNS(ns, local)
        for li in prop.getElementsByTagNameNS(RDF_NS, "li")
    ]


@pytest.mark.parametrize("fixture", [DARKTABLE, LIGHTROOM], ids=["darktable", "lightroom"])
def test_merge_keeps_every_other_field(fixture: bytes) -> None:
    merged = merge(fixture, TAGS)
    before, after = _facts(fixture), _facts(merged)
    lost = before - after
    # Only our own values may differ: the old rating and label were replaced on request.
    assert not {f for f in lost if "Rating" not in f[-2] and "Label" not in f[-2]}
    assert after - before <= {
        f for f in after if "water on lens" in f[-1] or "DropletCleaner" in f[-1]
    }
    assert b"darktable:history" in merged or b"crs:ToneCurvePV2012" in merged


@pytest.mark.parametrize("fixture", [DARKTABLE, LIGHTROOM, None], ids=["dt", "lr", "new"])
def test_tags_land_where_the_tools_read_them(fixture: bytes | None) -> None:
    merged = merge(fixture, TAGS)
    assert "water on lens" in _bag(merged, DC_NS, "subject")
    assert "DropletCleaner|water on lens" in _bag(merged, LR_NS, "hierarchicalSubject")
    assert _value(merged, APP_NS, "score") == "0.9731"
    assert _value(merged, APP_NS, "model") == "droplet-v3"
    assert _value(merged, XMP_NS, "Label") == "Red"
    assert _value(merged, XMP_NS, "Rating") == "-1"
    # exactly one of each property, in an existing bag when there was one
    assert merged.count(b"hierarchicalSubject>") == 2  # one open, one close tag
    if fixture is not None:
        assert keywords(merged)[:-1] == keywords(fixture)


def test_merge_without_label_or_reject_leaves_rating_alone() -> None:
    merged = merge(LIGHTROOM, DropletTags(0.5, "v"))
    assert _value(merged, XMP_NS, "Rating") == "4"
    assert _value(merged, XMP_NS, "Label") == "Green"


def test_merging_twice_changes_nothing_the_second_time() -> None:
    once = merge(DARKTABLE, TAGS)
    assert merge(once, TAGS) is once or merge(once, TAGS) == once
    assert keywords(once).count("water on lens") == 1


def test_properties_written_as_elements_are_updated_in_place() -> None:
    data = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="' + RDF_NS.encode() + b'">'
        b'<rdf:Description rdf:about="" xmlns:xmp="' + XMP_NS.encode() + b'">'
        b"<xmp:Rating>5</xmp:Rating></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    merged = merge(data, TAGS)
    assert b"<xmp:Rating>-1</xmp:Rating>" in merged
    assert merged.count(b"Rating") == 2


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b"<a><b></a>",
        b"<root>no rdf here</root>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    ],
)
def test_bad_sidecars_are_refused(data: bytes) -> None:
    with pytest.raises(XmpError):
        merge(data, TAGS)
