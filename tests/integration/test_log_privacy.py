"""No secret and no personal data in what the handlers and the deal rules log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from tests.integration.http_endpoints import (
    OLD_WEBHOOK_TOKEN,
    SAMPLE_BODY,
    TRIGGER_TOKEN,
    WEBHOOK_TOKEN,
    Endpoints,
    call_trigger,
    call_webhook,
    open_endpoints,
)
from tests.integration.test_deal_flow import World, new_customer_order


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoints]:
    yield from open_endpoints(monkeypatch)


def test_no_token_appears_in_any_log_line_of_the_http_handlers(
    endpoints: Endpoints, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # INFO as deployed (POWERTOOLS_LOG_LEVEL). At DEBUG, Powertools' own event-handler logger prints the
    # route arguments, the token included: never run these functions at DEBUG in production.
    caplog.set_level(logging.INFO)
    body = json.dumps(SAMPLE_BODY)
    answers = [
        call_webhook(endpoints, WEBHOOK_TOKEN, body)["statusCode"],
        call_webhook(endpoints, OLD_WEBHOOK_TOKEN, body)["statusCode"],
        call_webhook(endpoints, WEBHOOK_TOKEN + "x", body)["statusCode"],
        call_webhook(endpoints, WEBHOOK_TOKEN, "not json")["statusCode"],
        call_trigger(endpoints, TRIGGER_TOKEN, "{}")["statusCode"],
        call_trigger(endpoints, TRIGGER_TOKEN[:-1], "{}")["statusCode"],
    ]
    assert answers == [200, 200, 403, 400, 202, 403]
    logged = capsys.readouterr().out + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "webhook refused" in logged and "catalog push requested" in logged  # the logs were captured
    for secret in (WEBHOOK_TOKEN, OLD_WEBHOOK_TOKEN, TRIGGER_TOKEN, TRIGGER_TOKEN[:-1], WEBHOOK_TOKEN[:12]):
        assert secret not in logged


def test_the_deal_rules_log_no_personal_data(
    world: World, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # WARNING: the level of the Lambda Python runtime's root logger; Powertools loggers print to stdout.
    caplog.set_level(logging.WARNING)
    body = new_customer_order(
        world,
        fName="Ярослава",
        lName="Приватна",
        phone="+38 (050) 765-43-21",
        email="yaroslava.p@example.com",
    )
    body["products"].append({"id": "NO-SKU-1", "sku": "NO-SKU-1", "name": "?", "costPerItem": 1, "amount": 1})
    world.place_order(**body)
    [outcome] = world.apply_all()
    assert outcome.action == "parked"
    logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    for personal in (
        "Ярослава",
        "Приватна",
        "765-43-21",
        "0507654321",
        "yaroslava.p@example.com",
        "yaroslava",
    ):
        assert personal not in logged
