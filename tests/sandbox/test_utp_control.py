"""Control endpoints, fault injection, counters, filter grammar properties and the CLI."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.utp.filters import FilterError, compile_filter, scope_of

from .conftest import utp_get, utp_lit

SCOPE = scope_of("Catalog_Номенклатура")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcXYZ'' -/АБВжїєґ0123456789%_"), max_size=20))
def test_string_literal_round_trip(value: str) -> None:  # doubled apostrophes, Cyrillic
    _, fn = compile_filter(f"Артикул eq {utp_lit(value)}", SCOPE)
    assert fn({"Артикул": value}, {}) is True
    assert fn({"Артикул": value + "x"}, {}) is False


def test_filter_grammar_cases() -> None:
    row = {"Code": "00001", "Description": "Ремінь Samsung", "IsFolder": False, "Артикул": "DC97-16350C"}
    ok = {
        "startswith(Description, 'Ремінь') and not IsFolder eq true": True,
        "endswith(Артикул, '50C') or Code eq 'x'": True,
        "like(Артикул, 'DC97-%')": True,
        "substringof('Samsung', Description) and (Code eq '00002' or Code eq '00001')": True,
        "Code ne '00001'": False,
    }
    for text, expected in ok.items():
        assert compile_filter(text, SCOPE)[1](row, {}) is expected, text
    for bad in ("tolower(Description) eq 'x'", "length(Code) eq 5", "Code eq", "НетПоля eq 1"):
        with pytest.raises(FilterError):
            compile_filter(bad, SCOPE)


def test_unsupported_function_is_400_code_14(utp_client: httpx.Client) -> None:
    r = utp_get(utp_client, "/Catalog_Номенклатура", **{"$filter": "tolower(Description) eq 'x'"})
    assert r.status_code == 400 and r.json()["odata.error"]["code"] == "14"


def test_counters_and_reset(utp_client: httpx.Client, utp_app) -> None:
    utp_get(utp_client, "/Catalog_Валюты")
    utp_get(utp_client, "/Catalog_Валюты")
    assert utp_app.count("GET", "Catalog_Валюты") == 2
    data = utp_client.get("http://utp.test/__emulator__/counters").json()
    assert data["counters"]["GET Catalog_Валюты"] == 2 and data["total"] == 2
    utp_client.post("http://utp.test/__emulator__/counters/reset")
    assert utp_client.get("http://utp.test/__emulator__/counters").json()["total"] == 0


def test_one_shot_faults(utp_client: httpx.Client, utp_app) -> None:
    utp_app.inject_fault("503", match="Catalog_Валюты", method="GET")
    assert utp_get(utp_client, "/Catalog_Валюты").status_code == 503
    assert utp_get(utp_client, "/Catalog_Валюты").status_code == 200  # one shot
    utp_app.inject_fault("500", match="Catalog_Контрагенты", method="POST", phase="after")
    r = utp_client.post("/Catalog_Контрагенты?$format=json", json={"Description": "Привид"})
    assert r.status_code == 500 and r.json()["odata.error"]["code"] == "-1"
    found = utp_get(utp_client, "/Catalog_Контрагенты", **{"$filter": "Description eq 'Привид'"}).json()[
        "value"
    ]
    assert len(found) == 1  # the write happened although the client saw an error
    utp_app.inject_fault("timeout")
    assert utp_get(utp_client, "/Catalog_Валюты").status_code == 504
    utp_app.inject_fault("html")
    assert utp_get(utp_client, "/Catalog_Валюты").headers["content-type"].startswith("text/html")


def test_runtime_config_and_fault_rate(utp_client: httpx.Client, utp_app) -> None:
    r = utp_client.post(
        "http://utp.test/__emulator__/config", json={"fault_rate": 1.0, "fault_kinds": ["503"]}
    )
    assert r.json()["fault_rate"] == 1.0 and "password" not in r.json()
    assert utp_get(utp_client, "/Catalog_Валюты").status_code == 503
    utp_app.configure(fault_rate=0.0)
    assert utp_get(utp_client, "/Catalog_Валюты").status_code == 200
    seed = utp_client.get("http://utp.test/__emulator__/seed").json()
    assert seed["organization"]["description"] == 'ТОВ "Запчастини Плюс"'
    assert set(seed["properties"]) == {
        "SalesDrive ID",
        "SalesDrive: номер заявки",
        "SalesDrive: статус",
        "SalesDrive: источник",
    }


def test_cli_serve_writes_sandbox_json(utp_cli: Any) -> None:
    info = utp_cli()
    assert info["url"].endswith("/odata/standard.odata") and info["user"] == "bridge"
    r = httpx.get(
        info["url"] + "/Catalog_Номенклатура?$format=json&$top=3", auth=(info["user"], info["password"])
    )
    assert r.status_code == 200 and len(r.json()["value"]) == 3


def test_the_observer_path_reads_around_faults_without_taking_or_counting_them(
    utp_client: httpx.Client, utp_app
) -> None:
    """A checker reads what 1C holds while faults hit the client under test: no fault, no latency, not
    counted, GET only, same credentials."""
    observe = "http://utp.test/__emulator__/observe/utp/odata/standard.odata"
    before = dict(utp_app.counters)
    utp_app.inject_fault("timeout")  # the next request of the client under test
    utp_app.configure(fault_rate=1.0, fault_kinds=["503"], latency_ms=3000)
    started = time.monotonic()
    seen = utp_get(utp_client, f"{observe}/Catalog_Валюты")
    assert seen.status_code == 200 and seen.json()["value"]
    assert time.monotonic() - started < 2.0  # no latency (3 s of it would be injected)
    assert dict(utp_app.counters) == before  # not counted
    assert utp_get(utp_client, f"{observe}/Catalog_Валюты/$count").text.strip().isdigit()
    utp_app.configure(fault_rate=0.0, latency_ms=0)
    assert utp_get(utp_client, "/Catalog_Валюты").status_code == 504  # the one-shot fault is still there
    assert (
        utp_client.post(f"{observe}/Catalog_Контрагенты?$format=json", json={"Description": "X"}).status_code
        == 404
    )
    with httpx.Client(transport=httpx.WSGITransport(app=utp_app)) as anonymous:
        assert anonymous.get(f"{observe}/Catalog_Валюты?$format=json").status_code == 401
