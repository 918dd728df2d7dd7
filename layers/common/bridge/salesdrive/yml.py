"""Stream parser of SalesDrive's YML export (the only documented way to list products).

``<yml_catalog><shop><currencies/><categories/><offers><offer id=… group_id=… available=…>…`` with the SKU in
``vendorCode`` (or ``article``). A catalog can hold hundreds of thousands of offers, so the feed is parsed
incrementally from the byte stream and each offer is dropped from the tree once read.

The feed comes from our own SalesDrive account; the stdlib parser does not resolve external entities and
expat (>= 2.4.1) bounds entity expansion, which is why defusedxml is not needed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from bridge.salesdrive import coerce
from bridge.salesdrive.errors import SalesDriveProtocolError


@dataclass(frozen=True, slots=True)
class YmlOffer:
    id: str
    sku: str | None  # vendorCode, else article
    name: str | None
    name_ua: str | None = None
    group_id: str | None = None
    available: bool | None = None
    category_id: str | None = None
    price: Decimal | None = None
    old_price: Decimal | None = None
    currency_id: str | None = None
    quantity_in_stock: Decimal | None = None
    vendor: str | None = None
    barcode: str | None = None
    uktzed: str | None = None
    vendor_price: Decimal | None = None
    url: str | None = None
    pictures: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class YmlCategory:
    id: str
    name: str | None
    parent_id: str | None = None


def _text(offer: Element, tag: str) -> str | None:
    child = offer.find(tag)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None


def _number(offer: Element, tag: str) -> Decimal | None:
    try:
        return coerce.to_decimal(_text(offer, tag))
    except ValueError:
        return None  # one bad price must not lose the whole catalogue


def _flag(value: str | None) -> bool | None:
    try:
        return coerce.to_bool(value)
    except ValueError:
        return None


def _offer(element: Element) -> YmlOffer:
    params: dict[str, str] = {}
    for param in element.iter("param"):
        name = param.get("name")
        if name:
            params[name] = (param.text or "").strip()
    return YmlOffer(
        id=(element.get("id") or "").strip(),
        sku=_text(element, "vendorCode") or _text(element, "article"),
        name=_text(element, "name"),
        name_ua=_text(element, "name_ua"),
        group_id=element.get("group_id"),
        available=_flag(element.get("available")),
        category_id=_text(element, "categoryId"),
        price=_number(element, "price"),
        old_price=_number(element, "oldprice") or _number(element, "price_old"),
        currency_id=_text(element, "currencyId"),
        quantity_in_stock=_number(element, "quantity_in_stock"),
        vendor=_text(element, "vendor"),
        barcode=_text(element, "barcode"),
        uktzed=_text(element, "uktzed"),
        vendor_price=_number(element, "vendorprice"),
        url=_text(element, "url"),
        pictures=tuple(p.text.strip() for p in element.iter("picture") if p.text and p.text.strip()),
        params=params,
    )


def iter_yml(chunks: Iterable[bytes]) -> Iterator[YmlOffer | YmlCategory]:
    """Offers and categories, in document order, from the feed's bytes."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    parents: list[Element] = []
    try:
        for chunk in chunks:
            parser.feed(chunk)
            yield from _drain(parser, parents)
        parser.close()
        yield from _drain(parser, parents)
    except ParseError as exc:
        raise SalesDriveProtocolError(f"the YML feed is not well-formed XML: {exc}") from None


def _drain(parser: XMLPullParser[Element], parents: list[Element]) -> Iterator[YmlOffer | YmlCategory]:
    for item in parser.read_events():
        # start/end events always carry an Element (typeshed types every event kind at once)
        event, element = cast(tuple[str, Element], item)
        if event == "start":
            parents.append(element)
            continue
        parents.pop()
        if element.tag == "offer":
            yield _offer(element)
        elif element.tag == "category" and element.get("id"):
            yield YmlCategory(
                id=element.get("id", ""),
                name=(element.text or "").strip() or None,
                parent_id=element.get("parentId"),
            )
        else:
            continue
        if parents:  # drop what was read: memory stays flat whatever the catalogue size
            parents[-1].remove(element)


def iter_yml_offers(chunks: Iterable[bytes]) -> Iterator[YmlOffer]:
    for item in iter_yml(chunks):
        if isinstance(item, YmlOffer):
            yield item
