"""The bridge's sales documents as a real UTP 1.2 accepts them (strict emulator, posting_sales.py):
Ответственный from `responsible_user`, reflection flags from `reflect_in_accounting`, dates not before
the order, returns carrying the invoice's Качество."""

from __future__ import annotations

from datetime import datetime

import pytest

from bridge.settings import SettingsError
from bridge.sync.order_documents import ensure_sales_invoice
from bridge.sync.reference import resolve_reference

from .test_deal_flow import World, new_customer_order, world  # noqa: F401  (fixture)

INVOICE = "Document_РеализацияТоваровУслуг"
RETURN = "Document_ВозвратТоваровОтПокупателя"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"


def _with(world: World, **settings: object) -> None:  # noqa: F811
    world.ctx.settings = world.ctx.settings.model_copy(update=settings)
    world.ctx.reference = resolve_reference(world.ctx.settings, world.utp)


def test_responsible_user_is_resolved_and_written_on_every_document(world: World) -> None:  # noqa: F811
    _with(world, responsible_user="Інтеграція SalesDrive")
    user = world.utp_emulator.seed_info["users"]["Інтеграція SalesDrive"]
    assert world.ctx.reference.responsible_key == user
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    world.set_status(order_id, 5)
    world.apply_all()
    world.set_status(order_id, 6)
    world.apply_all()
    order = world.orders_with_marker(order_id)[0]
    assert order["Ответственный_Key"] == user and order["ВидОперации"] == "ПродажаКомиссия"
    [invoice] = world.documents_of(INVOICE, order["Ref_Key"])
    [note] = world.documents_of(RETURN, order["Ref_Key"])
    for doc in (invoice, note):
        assert doc["Posted"] is True and doc["Ответственный_Key"] == user
        assert doc["ОтражатьВУправленческомУчете"] is True and doc["ОтражатьВБухгалтерскомУчете"] is False
    assert invoice["ВидПередачи"] == "СоСклада"
    quality = world.utp_emulator.seed_info["quality_new"]
    assert [r["Качество_Key"] for r in note["Товары"]] == [r["Качество_Key"] for r in invoice["Товары"]]
    assert {r["Качество_Key"] for r in note["Товары"]} == {quality}


def test_an_unknown_responsible_user_is_a_bad_setting(world: World) -> None:  # noqa: F811
    with pytest.raises(SettingsError, match="responsible_user"):
        _with(world, responsible_user="Нема такого")


def test_reflecting_in_accounting_without_accounts_is_refused_with_utps_reason(world: World) -> None:  # noqa: F811
    _with(world, reflect_in_accounting=True)
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    order_ref = world.orders_with_marker(order_id)[0]["Ref_Key"]
    ctx = world.ctx
    with pytest.raises(Exception, match="СчетУчетаРасчетовСКонтрагентом"):
        ensure_sales_invoice(
            order_id, order_ref, utp=ctx.utp, store=ctx.store, settings=ctx.settings, reference=ctx.reference
        )
    [invoice] = world.documents_of(INVOICE, order_ref)
    assert invoice["Posted"] is False and invoice["ОтражатьВБухгалтерскомУчете"] is True


def test_documents_are_never_dated_before_their_order(world: World) -> None:  # noqa: F811
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    order = world.orders_with_marker(order_id)[0]
    # An order dated in the future (a clock ahead in SalesDrive): the closure follows its date.
    future = datetime(2099, 1, 1, 12, 0, 0)
    world.utp.set_document_fields(
        "Document_ЗаказПокупателя", order["Ref_Key"], {"Date": "2099-01-01T12:00:00"}
    )
    closure = world.utp.create_order_closure(
        order["Ref_Key"], None, date=datetime(2024, 1, 1), order_date=future, post=True
    )
    assert closure.posted
    [row] = world.documents_of(CLOSURE, order["Ref_Key"])
    assert row["Date"] == "2099-01-01T12:00:00"
    invoice = world.utp.create_invoice_from_order(order["Ref_Key"], date=datetime(2024, 1, 1), post=True)
    assert invoice.posted and invoice.date == future
