"""Generated variants of every loosely typed field of a real webhook (SalesDrive's own example): the
receiver acknowledges exactly what the parser reads, and the parser never refuses an acknowledged order
(number ↔ string ↔ null ↔ missing, object ↔ list, ``{id, name}`` ↔ id)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.salesdrive.envelope import peek_envelope
from bridge.salesdrive.models import OrderWebhook
from bridge.sync.deal_checks import order_problems
from bridge.sync.deals import parse_deal_event
from bridge.sync.webhook_intake import accept_webhook

BODY = json.loads(
    (
        Path(__file__).resolve().parents[1] / "fixtures" / "salesdrive" / "webhook_new_order_swagger.json"
    ).read_text(encoding="utf-8")
)
MISSING = object()


def _number_forms(value: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([value, str(value), None, "", MISSING, [value], {"id": value, "name": "Назва"}])


def _object_forms(value: Any) -> st.SearchStrategy[Any]:
    first = value[0] if isinstance(value, list) and value else value
    return st.sampled_from([value, first, [first, first], None, "", [], {}, MISSING, "text", {"0": first}])


ORDER_FIELDS = {
    "sajt": _number_forms(149),
    "payment_method": _number_forms(4),
    "shipping_method": _number_forms(2),
    "campaignId": _number_forms(1),
    "rejectionReason": _number_forms(12),
    "userId": _number_forms(1),
    "typeId": _number_forms(2),
    "organizationId": _number_forms(3),
    "formId": _number_forms(1),
    "statusId": _number_forms(5),
    "version": _number_forms(1),
    "paymentAmount": st.sampled_from([5166, "5166", "5166.00", "5 166,00", None, MISSING, "n/a"]),
    "updateAt": st.sampled_from(["2025-09-18 13:46:35", None, "", MISSING, "0000-00-00 00:00:00", "later"]),
    "orderTime": st.sampled_from(["2025-09-18 12:44:44", None, MISSING, 12]),
    "ord_delivery_data": _object_forms(BODY["data"]["ord_delivery_data"]),
    "contacts": _object_forms(BODY["data"]["contacts"]),
    "primaryContact": _object_forms(BODY["data"]["contacts"]),
    "products": _object_forms(BODY["data"]["products"]),
    "ord_novaposhta": _object_forms({"EN": "20450000000001"}),
    "comment": st.sampled_from(["text", 5, None, MISSING, ["a"], {"a": 1}]),
}
LINE_FIELDS = {
    "amount": st.sampled_from([1, "1", "1.0", "1,5", "1,250", 0, None, MISSING, "one"]),
    "price": st.sampled_from([5740, "5740", "5 740,00", "5,740.00", None, MISSING, {"x": 1}]),
    "discount": st.sampled_from([10, "10", None, MISSING, "10%"]),
    "percentDiscount": st.sampled_from([1, "1", True, None, MISSING, "yes", "maybe"]),
    "sku": st.sampled_from(["FR5654", 5654, None, MISSING, ["x"]]),
    "stockId": _number_forms(1),
}
CONTACT_FIELDS = {
    "phone": st.sampled_from(
        ["380670000001", ["380670000001"], "0670000001, 0500000002", None, MISSING, 380670000001, {"a": 1}]
    ),
    "email": st.sampled_from(["a@example.com", ["a@example.com"], None, MISSING, 5]),
    "createTime": st.sampled_from(["2025-09-08 19:02:41", "yesterday", None, MISSING]),
}
META = st.sampled_from(
    [
        {"fields": {}, "contacts": {"fields": {}}},
        {"fields": {"sajt": {"options": [{"id": 149, "name": "shop"}]}}},
        {"fields": {"sajt": {"options": [{"value": 149, "text": "shop"}]}}},
        {"fields": {"sajt": {"options": {"149": "shop"}}}},
        {"fields": {"...": None, "x": [1], "sajt": {"options": [None, 5, {"value": []}]}}},
        [],
        None,
        "meta",
        MISSING,
    ]
)


def _apply(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if value is MISSING:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)


def _body(draw: st.DrawFn) -> dict[str, Any]:
    body = copy.deepcopy(BODY)
    data = body["data"]
    _apply(data["products"][0], {k: draw(v) for k, v in LINE_FIELDS.items() if draw(st.booleans())})
    _apply(data["contacts"][0], {k: draw(v) for k, v in CONTACT_FIELDS.items() if draw(st.booleans())})
    _apply(data, {k: draw(v) for k, v in ORDER_FIELDS.items() if draw(st.booleans())})
    meta = draw(META)
    if meta is MISSING:
        body.pop("meta")
    else:
        body["meta"] = meta
    return body


bodies = st.composite(_body)


class _Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        self.bodies.append(body)
        return deduplication_id


@settings(max_examples=300, deadline=None)
@given(bodies())
def test_every_acknowledged_variant_is_read_and_either_applicable_or_parked_with_reasons(
    body: dict[str, Any],
) -> None:
    queue = _Queue()
    answer = accept_webhook(
        token="t", body=json.dumps(body), accepted_tokens=["t"], account="sparesshop", queue=queue
    )
    assert answer.status_code == 200  # the id is intact in every variant: nothing else is a refusal
    (message,) = queue.bodies
    order, _meta, _raw = parse_deal_event(message)  # the processor reads what the receiver acknowledged
    assert order.id == peek_envelope(body).order_id == 42957
    assert OrderWebhook.parse(body).data.id == 42957
    for problem in order_problems(order):  # whatever the rules cannot apply, they can say why
        assert isinstance(problem, str) and len(problem) > 8


@settings(max_examples=100, deadline=None)
@given(bodies(), st.sampled_from([None, "", 0, -1, "abc", [], {}, 1.5, MISSING]))
def test_only_a_missing_or_bad_order_id_is_refused(body: dict[str, Any], bad_id: Any) -> None:
    _apply(body["data"], {"id": bad_id})
    answer = accept_webhook(
        token="t", body=json.dumps(body), accepted_tokens=["t"], account="sparesshop", queue=_Queue()
    )
    assert answer.status_code == 422 and "data.id" in str(answer.body["reason"])
