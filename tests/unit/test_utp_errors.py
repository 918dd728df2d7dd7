from __future__ import annotations

import pytest
import respx

from bridge.utp.errors import UtpBusinessRefusal, UtpServerError, error_for
from tests.unit.test_utp_odata import BASE, GUID, make_client, odata_error, ok


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_minus_one_on_a_write_is_a_refusal_never_retried_blindly(method: str) -> None:
    error = error_for(500, "-1", "Не заполнен договор контрагента", method=method)
    assert isinstance(error, UtpBusinessRefusal)
    assert not error.retryable


def test_minus_one_on_a_read_is_an_internal_error_worth_a_retry() -> None:
    # "Произошла внутренняя ошибка OData сервиса" (a 500 with code -1) on a GET: nothing was refused.
    error = error_for(500, "-1", "Произошла внутренняя ошибка OData сервиса", method="GET")
    assert isinstance(error, UtpServerError)
    assert error.retryable


@respx.mock
def test_a_read_that_1c_fails_with_minus_one_is_retried_and_succeeds() -> None:
    route = respx.get(url__startswith=BASE).mock(
        side_effect=[
            odata_error(500, "-1", "Произошла внутренняя ошибка OData сервиса"),
            ok({"Ref_Key": GUID}),
        ]
    )
    client, sleeps = make_client()
    assert client.get_entity("Catalog_X", GUID)["Ref_Key"] == GUID
    assert route.call_count == 2
    assert len(sleeps) == 1  # one back-off pause before the retry
