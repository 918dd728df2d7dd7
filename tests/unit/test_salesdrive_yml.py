"""The YML export: stream-parsed offers with the SKU from vendorCode or article."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import (
    SalesDriveAuthError,
    SalesDriveProtocolError,
    SalesDriveRefused,
    SalesDriveTransportError,
)
from bridge.salesdrive.yml import YmlCategory, YmlOffer, iter_yml, iter_yml_offers

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2025-10-05 12:00">
  <shop>
    <name>shop.example</name>
    <currencies><currency id="UAH" rate="1"/></currencies>
    <categories>
      <category id="10">Фільтри</category>
      <category id="12" parentId="10">Фільтри HEPA</category>
    </categories>
    <offers>
      <offer id="SKU-1001" group_id="77" available="true">
        <name>Фільтр HEPA 13</name>
        <name_ua>Фільтр HEPA 13</name_ua>
        <categoryId>12</categoryId>
        <price>150.00</price>
        <oldprice>180</oldprice>
        <currencyId>UAH</currencyId>
        <quantity_in_stock>38</quantity_in_stock>
        <vendor>Bosch</vendor>
        <vendorCode> BSH-00576 </vendorCode>
        <barcode>4820000000017</barcode>
        <vendorprice>90,50</vendorprice>
        <url>https://shop.example/p/1001</url>
        <picture>https://shop.example/1.jpg</picture>
        <picture>https://shop.example/2.jpg</picture>
        <param name="Колір">Білий</param>
        <param name="Вага, кг">0.2</param>
      </offer>
      <offer id="SKU-1002" available="false">
        <name>Щітка</name>
        <article>ART-2</article>
        <price>not-a-price</price>
      </offer>
      <offer id="SKU-1003"><name>Без артикулу</name></offer>
    </offers>
  </shop>
</yml_catalog>
""".encode()


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_offers_are_read_with_every_field() -> None:
    offers = list(iter_yml_offers([FEED]))
    assert [o.id for o in offers] == ["SKU-1001", "SKU-1002", "SKU-1003"]
    first = offers[0]
    assert first.sku == "BSH-00576"
    assert first.name == "Фільтр HEPA 13"
    assert (first.group_id, first.available, first.category_id) == ("77", True, "12")
    assert (first.price, first.old_price, first.vendor_price) == (
        Decimal("150.00"),
        Decimal(180),
        Decimal("90.50"),
    )
    assert first.quantity_in_stock == Decimal(38)
    assert first.pictures == ("https://shop.example/1.jpg", "https://shop.example/2.jpg")
    assert first.params == {"Колір": "Білий", "Вага, кг": "0.2"}
    assert offers[1].sku == "ART-2"  # `article` when there is no vendorCode
    assert offers[1].available is False
    assert offers[1].price is None  # one bad price does not lose the catalogue
    assert offers[2].sku is None


def test_categories_come_too() -> None:
    categories = [item for item in iter_yml([FEED]) if isinstance(item, YmlCategory)]
    assert categories == [YmlCategory("10", "Фільтри"), YmlCategory("12", "Фільтри HEPA", parent_id="10")]


@given(st.integers(min_value=1, max_value=200))
def test_any_chunking_gives_the_same_offers(size: int) -> None:
    assert list(iter_yml_offers(chunks(FEED, size))) == list(iter_yml_offers([FEED]))


def test_large_feed_streams_in_order() -> None:
    body = (
        b"<yml_catalog><shop><offers>"
        + b"".join(
            f'<offer id="{n}"><vendorCode>V{n}</vendorCode><price>{n}.5</price></offer>'.encode()
            for n in range(5000)
        )
        + b"</offers></shop></yml_catalog>"
    )
    offers = iter_yml_offers(chunks(body, 4096))
    first = next(offers)
    assert first == YmlOffer(id="0", sku="V0", name=None, price=Decimal("0.5"))
    assert sum(1 for _ in offers) == 4999


def test_malformed_feed_is_a_protocol_error() -> None:
    with pytest.raises(SalesDriveProtocolError, match="not well-formed"):
        list(iter_yml_offers([b"<yml_catalog><offers><offer id='1'></offers>"]))


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url="https://myshop.salesdrive.me", assert_all_called=False) as mock:
        yield mock


def make_client() -> SalesDriveClient:
    return SalesDriveClient(api_key="k", budget=_NoBudget(), account="myshop", sleep=lambda s: None)


class _NoBudget:
    """The YML export is not a list endpoint: touching the budget would be a bug."""

    def take(self, consumer: object) -> None:
        raise AssertionError("the YML feed must not spend list-call tokens")


def test_client_streams_the_export(router: respx.MockRouter) -> None:
    route = router.get("/export/yml/export.yml").mock(
        return_value=httpx.Response(200, headers={"Content-Type": "application/xml"}, content=FEED)
    )
    offers = list(make_client().yml_products("pub-key"))
    assert [o.sku for o in offers] == ["BSH-00576", "ART-2", None]
    assert route.calls[0].request.url.params["publicKey"] == "pub-key"


def test_client_export_errors(router: respx.MockRouter) -> None:
    router.get("/export/yml/export.yml").mock(
        side_effect=[
            httpx.Response(403, json={"message": "api key is invalid"}),
            httpx.Response(200, json={"status": "error", "message": "YML export is disabled"}),
            httpx.Response(500),
            httpx.Response(200, content=FEED),
        ]
    )
    client = make_client()
    with pytest.raises(SalesDriveAuthError):
        list(client.yml_products("bad"))
    with pytest.raises(SalesDriveRefused, match="disabled"):
        list(client.yml_products("x"))
    assert len(list(client.yml_products("x"))) == 3  # the 500 was retried


def test_client_export_transport_failure_is_bounded(router: respx.MockRouter) -> None:
    route = router.get("/export/yml/export.yml").mock(side_effect=httpx.ConnectError("down"))
    with pytest.raises(SalesDriveTransportError):
        list(make_client().yml_products("x"))
    assert route.call_count == 4
