from __future__ import annotations

from typing import Any

from bridge.store.deals import (
    CounterpartyLink,
    DealStore,
    DocumentKind,
    LedgerState,
    OrderState,
    ProductLink,
    is_newer,
)


def store(dynamodb: Any) -> DealStore:
    return DealStore("bridge-test", dynamodb=dynamodb)


def test_intent_is_recorded_once_and_later_callers_see_it(dynamodb: Any) -> None:
    deals = store(dynamodb)
    first, won = deals.record_intent(DocumentKind.SALES_ORDER, "10452", {"version": 1})
    assert won
    assert first.state is LedgerState.INTENT
    rival, rival_won = deals.record_intent(DocumentKind.SALES_ORDER, "10452")
    assert not rival_won
    assert rival.claim == first.claim
    deals.record_document(DocumentKind.SALES_ORDER, "10452", "ref-1", posted=False)
    again, won_again = deals.record_intent(DocumentKind.SALES_ORDER, "10452")
    assert not won_again
    assert again.state is LedgerState.CREATED
    assert again.ref == "ref-1"
    deals.record_document(DocumentKind.SALES_ORDER, "10452", "ref-1", posted=True)
    entry = deals.ledger(DocumentKind.SALES_ORDER, "10452")
    assert entry is not None
    assert entry.state is LedgerState.POSTED
    assert deals.ledger(DocumentKind.SALES_INVOICE, "10452") is None


def test_order_state_round_trip_and_staleness(dynamodb: Any) -> None:
    deals = store(dynamodb)
    assert deals.order_state(7) is None
    state = OrderState(order_id=7, version=3, update_at="2025-10-05 11:40:27", status_id=5, utp_order_ref="r")
    deals.save_order_state(state)
    loaded = deals.order_state(7)
    assert loaded == state
    assert not is_newer(2, "2025-10-06 00:00:00", state)
    assert not is_newer(3, "2025-10-05 11:40:27", state)
    assert is_newer(3, "2025-10-05 11:40:28", state)
    assert is_newer(4, "2025-10-01 00:00:00", state)


def test_id_maps(dynamodb: Any) -> None:
    deals = store(dynamodb)
    link = CounterpartyLink(counterparty_ref="cp", contract_ref="ct")
    deals.link_counterparty(["phone:+380671112233", "email:olena@example.com"], link)
    assert deals.counterparty_for("email:olena@example.com") == link
    assert deals.counterparty_for("phone:+380500000000") is None
    deals.link_product("DC97-16350C", ProductLink(product_ref="p", unit_ref="u"))
    product = deals.product_for("DC97-16350C")
    assert product is not None
    assert product.unit_ref == "u"


def test_parked_orders_are_listed_with_the_skus_they_wait_for(dynamodb: Any) -> None:
    deals = store(dynamodb)
    deals.park(1, "unknown SKU: AB'12", skus=["AB'12", "X-1"], payload='{"id": 1}')
    deals.park(2, "UTP refused: no contract", payload='{"id": 2}')
    deals.park(1, "unknown SKU: AB'12", skus=["AB'12"], payload='{"id": 1}')
    parked = {p.order_id: p for p in deals.parked_orders()}
    assert set(parked) == {1, 2}
    assert parked[1].attempts == 2
    assert parked[1].skus == ["AB'12"]
    deals.unpark(1)
    assert [p.order_id for p in deals.parked_orders()] == [2]
    assert deals.parked_order(1) is None


def test_audit_trail_keeps_every_entry_in_order(dynamodb: Any) -> None:
    times = iter(["2025-01-01T00:00:00.000", "2025-01-01T00:00:00.000", "2025-01-01T00:00:01.000"])
    deals = DealStore("bridge-test", dynamodb=dynamodb, now=lambda: next(times))
    deals.audit(5, "received", webhook_event="new_order", version=1)
    deals.audit(5, "utp_order_created", ref="r")
    deals.audit(5, "posted")
    trail = deals.audit_trail(5)
    assert [e["event"] for e in trail][-1] == "posted"
    assert sorted(e["event"] for e in trail) == ["posted", "received", "utp_order_created"]
    assert trail[-1]["expires_at"] > 0
