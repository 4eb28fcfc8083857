"""Merge DropletCleaner's findings into an XMP sidecar without losing anything else in it.

What is written, where digiKam, darktable and Lightroom read it:

- the keyword ``water on lens`` in ``dc:subject`` and ``DropletCleaner|water on lens`` in
  ``lr:hierarchicalSubject`` (both ``rdf:Bag``; an existing bag gains one item);
- the score and the model's version in the app's own namespace (:data:`APP_NS`);
- optionally ``xmp:Label`` (a colour label) and ``xmp:Rating`` = -1 (rejected).

The sidecar is parsed as XML (``xml.dom.minidom``), so every other element, attribute,
namespace prefix, comment and processing instruction stays as it was; a property is set
where it already is (attribute or element form, in any ``rdf:Description``) and added to
the first description otherwise. A sidecar that is not XMP, or that declares a DOCTYPE
(entity expansion is an attack, never a real sidecar), raises :class:`XmpError` and is
left alone: merging never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.dom import minidom
from xml.parsers.expat import ExpatError

X_NS = "adobe:ns:meta/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS = "http://purl.org/dc/elements/1.1/"
LR_NS = "http://ns.adobe.com/lightroom/1.0/"
XMP_NS = "http://ns.adobe.com/xap/1.0/"
APP_NS = "https://dropletcleaner.app/ns/xmp/1.0/"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"

KEYWORD = "water on lens"
HIERARCHICAL_KEYWORD = "DropletCleaner|water on lens"
# Colour labels as Lightroom and digiKam spell them (darktable maps xmp:Label too).
LABELS = ("Red", "Yellow", "Green", "Blue", "Purple")

_PREFIXES = {DC_NS: "dc", LR_NS: "lr", XMP_NS: "xmp", APP_NS: "dropletcleaner"}

_EMPTY = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    f'<x:xmpmeta xmlns:x="{X_NS}" x:xmptk="DropletCleaner">\n'
    f' <rdf:RDF xmlns:rdf="{RDF_NS}">\n'
    '  <rdf:Description rdf:about=""/>\n'
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)


class XmpError(ValueError):
    """A sidecar that cannot be merged safely; ``str(exc)`` says why."""


@dataclass(frozen=True)
class DropletTags:
    """What one photo's sidecar should say."""

    score: float
    model_version: str
    label: str | None = None  # one of LABELS
    reject: bool = False


def merge(existing: bytes | None, tags: DropletTags) -> bytes:
    """``existing`` (a sidecar's bytes, or ``None`` for a new one) with ``tags`` merged in.

    A sidecar that already says all of it comes back as the very same bytes.
    """
    doc = _parse(existing if existing else _EMPTY.encode("utf-8"))
    as_read = doc.toxml(encoding="utf-8")
    description = _first_description(doc)
    descriptions = _descriptions(doc)
    _add_to_bag(doc, descriptions, description, DC_NS, "subject", KEYWORD)
    _add_to_bag(doc, descriptions, description, LR_NS, "hierarchicalSubject", HIERARCHICAL_KEYWORD)
    _set_simple(doc, descriptions, description, APP_NS, "score", f"{tags.score:.4f}")
    _set_simple(doc, descriptions, description, APP_NS, "model", tags.model_version)
    if tags.label is not None:
        _set_simple(doc, descriptions, description, XMP_NS, "Label", tags.label)
    if tags.reject:
        _set_simple(doc, descriptions, description, XMP_NS, "Rating", "-1")
    merged = bytes(doc.toxml(encoding="utf-8"))
    if existing and merged == as_read:
        return existing  # nothing to add: the file is not rewritten (minidom reorders xmlns)
    return merged


def keywords(data: bytes) -> list[str]:
    """The ``dc:subject`` items of a sidecar (for tests and dry runs)."""
    doc = _parse(data)
    out: list[str] = []
    for prop in doc.getElementsByTagNameNS(DC_NS, "subject"):
        out += [_text(li) for li in prop.getElementsByTagNameNS(RDF_NS, "li")]
    return out


def _parse(data: bytes) -> minidom.Document:
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise XmpError("it declares a DOCTYPE or entities, which XMP never does")
    try:
        doc = minidom.parseString(data)
    except (ExpatError, ValueError) as exc:
        raise XmpError(f"it is not well-formed XML ({exc})") from None
    if not doc.getElementsByTagNameNS(RDF_NS, "RDF"):
        raise XmpError("it has no rdf:RDF element, so it is not XMP")
    return doc


def _descriptions(doc: minidom.Document) -> list[minidom.Element]:
    rdf = doc.getElementsByTagNameNS(RDF_NS, "RDF")[0]
    return [
        n
        for n in rdf.childNodes
        if isinstance(n, minidom.Element)
        and n.namespaceURI == RDF_NS
        and n.localName == "Description"
    ]


def _first_description(doc: minidom.Document) -> minidom.Element:
    found = _descriptions(doc)
    if found:
        return found[0]
    rdf = doc.getElementsByTagNameNS(RDF_NS, "RDF")[0]
    prefix = rdf.prefix or "rdf"
    description = doc.createElementNS(RDF_NS, f"{prefix}:Description")
    description.setAttributeNS(RDF_NS, f"{prefix}:about", "")
    rdf.appendChild(description)
    return description


def _prefix_for(element: minidom.Element, ns: str) -> str:
    """A prefix bound to ``ns`` on ``element`` (declared there if it must be)."""
    node: object = element
    while isinstance(node, minidom.Element):  # a declaration in scope is reused
        for attr in node.attributes.values():
            if attr.name.startswith("xmlns:") and attr.value == ns:
                return attr.name[6:]
        node = node.parentNode
    base = _PREFIXES.get(ns, "ns")
    prefix, n = base, 1
    while element.hasAttribute(f"xmlns:{prefix}") or _bound_elsewhere(element, prefix):
        prefix, n = f"{base}{n}", n + 1
    element.setAttributeNS(XMLNS_NS, f"xmlns:{prefix}", ns)
    return prefix


def _bound_elsewhere(element: minidom.Element, prefix: str) -> bool:
    node: object = element
    while isinstance(node, minidom.Element):
        if node.hasAttribute(f"xmlns:{prefix}"):
            return True
        node = node.parentNode
    return False


def _child(element: minidom.Element, ns: str, local: str) -> minidom.Element | None:
    for n in element.childNodes:
        if isinstance(n, minidom.Element) and n.namespaceURI == ns and n.localName == local:
            return n
    return None


def _text(element: minidom.Element) -> str:
    return "".join(n.data for n in element.childNodes if isinstance(n, minidom.Text))


def _set_simple(
    doc: minidom.Document,
    descriptions: list[minidom.Element],
    target: minidom.Element,
    ns: str,
    local: str,
    value: str,
) -> None:
    """Set a simple property where it already is, else as an attribute of ``target``."""
    for d in descriptions:
        attr = d.getAttributeNodeNS(ns, local)
        if attr is not None:
            attr.value = value
            return
        element = _child(d, ns, local)
        if element is not None:
            for n in list(element.childNodes):
                element.removeChild(n)
            element.appendChild(doc.createTextNode(value))
            return
    prefix = _prefix_for(target, ns)
    target.setAttributeNS(ns, f"{prefix}:{local}", value)


def _add_to_bag(
    doc: minidom.Document,
    descriptions: list[minidom.Element],
    target: minidom.Element,
    ns: str,
    local: str,
    item: str,
) -> None:
    """Add ``item`` to the bag property ``ns:local`` unless it is there already."""
    prop = None
    for d in descriptions:
        prop = _child(d, ns, local)
        if prop is not None:
            break
        attr = d.getAttributeNodeNS(ns, local)
        if attr is not None:  # a lone value written as an attribute: make it a bag of one
            old = attr.value
            d.removeAttributeNode(attr)
            prop = _new_bag(doc, d, ns, local, [old])
            break
    if prop is None:
        prop = _new_bag(doc, target, ns, local, [])
    container = next(
        (
            n
            for n in prop.childNodes
            if isinstance(n, minidom.Element)
            and n.namespaceURI == RDF_NS
            and n.localName in ("Bag", "Seq", "Alt")
        ),
        None,
    )
    if container is None:
        raise XmpError(f"its {prop.tagName} is not a list (rdf:Bag)")
    items = [
        _text(n)
        for n in container.childNodes
        if isinstance(n, minidom.Element) and n.namespaceURI == RDF_NS and n.localName == "li"
    ]
    if item in items:
        return
    rdf = container.prefix or "rdf"
    li = doc.createElementNS(RDF_NS, f"{rdf}:li")
    li.appendChild(doc.createTextNode(item))
    container.appendChild(li)


def _new_bag(
    doc: minidom.Document, parent: minidom.Element, ns: str, local: str, items: list[str]
) -> minidom.Element:
    prefix = _prefix_for(parent, ns)
    rdf = _prefix_for(parent, RDF_NS)
    prop = doc.createElementNS(ns, f"{prefix}:{local}")
    bag = doc.createElementNS(RDF_NS, f"{rdf}:Bag")
    for value in items:
        li = doc.createElementNS(RDF_NS, f"{rdf}:li")
        li.appendChild(doc.createTextNode(value))
        bag.appendChild(li)
    prop.appendChild(bag)
    parent.appendChild(prop)
    return prop
