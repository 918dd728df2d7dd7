"""The webhook receiver's cheap envelope check: fast, stdlib only, same rejections as the full parse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.salesdrive.envelope import peek_envelope
from bridge.salesdrive.errors import NotAnOrder
from bridge.salesdrive.models import OrderWebhook
from tests.unit.test_salesdrive_models import PAYLOAD_A, PAYLOAD_B


def test_peek_reads_identity_of_payload_a() -> None:
    peek = peek_envelope(PAYLOAD_A.encode())
    assert peek.account == "myshop"
    assert peek.webhook_event == "new_order"
    assert peek.is_known_event
    assert (peek.order_id, peek.version, peek.status_id, peek.form_id) == (10452, 1, 1, 1)
    assert peek.update_at == datetime(2025, 10, 2, 14, 5, 11)
    assert peek.payload["data"]["externalId"] == "WEB-88213"


def test_peek_reads_payload_b_and_string_numbers() -> None:
    peek = peek_envelope(PAYLOAD_B)
    assert (peek.order_id, peek.version, peek.status_id) == (10452, 6, 5)
    body = json.loads(PAYLOAD_B)
    body["data"].update(id="10452", version="6", statusId="5")
    assert peek_envelope(body).status_id == 5


def test_unknown_event_is_not_a_rejection() -> None:
    body = json.loads(PAYLOAD_A)
    body["info"]["webhookEvent"] = "order_deleted"
    peek = peek_envelope(body)
    assert peek.webhook_event == "order_deleted"
    assert not peek.is_known_event


def test_bad_update_at_is_acknowledged_and_left_to_the_rules() -> None:
    # The receiver refuses only what is not an order; the processor parks it with the reason.
    body = json.loads(PAYLOAD_A)
    body["data"]["updateAt"] = "yesterday"
    assert peek_envelope(body).update_at is None


def test_the_hot_path_imports_neither_pydantic_nor_httpx() -> None:
    code = (
        "import sys; import bridge.salesdrive.envelope, bridge.salesdrive.errors, bridge.salesdrive; "
        "print(sorted(m for m in ('pydantic', 'httpx') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "layers" / "common")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    )


@given(
    info=st.one_of(_json_values(), st.fixed_dictionaries({"webhookType": st.sampled_from(["order", "x"])})),
    data=_json_values(),
)
def test_peek_and_full_parse_agree_on_what_is_an_order(info: Any, data: Any) -> None:
    body = {"info": info, "data": data}
    try:
        peek = peek_envelope(body)
    except NotAnOrder as exc:
        assert exc.reason
        with pytest.raises(NotAnOrder):
            OrderWebhook.parse(body)
        return
    # The peek accepted: the full parse reads the same order, whatever its other fields hold.
    assert OrderWebhook.parse(body).data.id == peek.order_id
