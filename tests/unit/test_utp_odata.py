"""The generic 1C OData layer: encoding, literals, errors, retries, content checks (respx, no sockets)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from urllib.parse import unquote

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from bridge.retries import RetryPolicy
from bridge.utp import odata as od
from bridge.utp import odata_answers as oa
from bridge.utp import odata_query as oq
from bridge.utp.errors import (
    UtpAccessError,
    UtpBadQueryError,
    UtpBadRequestError,
    UtpBusinessRefusal,
    UtpDuplicateKeyError,
    UtpNotFoundError,
    UtpOutcomeUnknownError,
    UtpProtocolError,
    UtpServerError,
    UtpTransportError,
)

BASE = "http://utp.test/utp/odata/standard.odata/"
GUID = "8d04ce3c-6360-11e9-dd92-fa163e8ba11d"
JSON_CT = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"


def make_client(**kw: object) -> tuple[od.ODataClient, list[float]]:
    sleeps: list[float] = []
    http = httpx.Client(base_url=BASE)
    client = od.ODataClient(http, sleep=sleeps.append, jitter=lambda: 1.0, **kw)  # type: ignore[arg-type]
    return client, sleeps


def ok(payload: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload, headers={"content-type": JSON_CT})


def odata_error(status: int, code: str, text: str = "msg") -> httpx.Response:
    body = {"odata.error": {"code": code, "message": {"lang": "ru", "value": text}}}
    return httpx.Response(status, json=body)


# --- tokenizer used to prove that data never becomes syntax --------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<word>[^\s()',]+)|(?P<punct>[(),]))")


def tokens(expr: str) -> list[str]:
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        assert m and m.end() > pos, f"untokenisable at {pos}: {expr!r}"
        out.append(m.group(0).strip())
        pos = m.end()
    return [t for t in out if t]


NASTY = [
    "AB'12",
    "x' or 1 eq 1",
    "кабель 3×1,5",
    "100%",
    "a&b=c",
    "1+1",
    "#hash",
    "'",
    "''",
    "a)b(c",
    "?$top=1",
]


class TestLiterals:
    @given(st.text())
    def test_string_literal_is_one_token_and_round_trips(self, value: str) -> None:
        lit = oq.string_literal(value)
        inner = lit[1:-1]
        assert lit[0] == lit[-1] == "'"
        assert "'" not in inner.replace("''", "")  # every apostrophe inside is doubled
        assert inner.replace("''", "'") == value

    @given(st.text(min_size=0, max_size=40) | st.sampled_from(NASTY))
    def test_eq_filter_is_exactly_field_op_literal(self, value: str) -> None:
        expr = oq.eq("Артикул", value).expr
        toks = tokens(expr)
        assert toks[:2] == ["Артикул", "eq"]
        assert len(toks) == 3, toks
        assert toks[2][1:-1].replace("''", "'") == value

    @given(st.text(min_size=0, max_size=40) | st.sampled_from(NASTY))
    def test_encoded_filter_has_no_raw_separators_and_decodes_back(self, value: str) -> None:
        expr = oq.eq("Артикул", value).expr
        query = oq.build_query({"$filter": expr, "$format": "json"})
        encoded = query.split("&")[0].removeprefix("$filter=")
        assert not set(encoded) & set(" +&#'?=")
        assert unquote(encoded) == expr

    @pytest.mark.parametrize(
        "bad", ["x' or 1 eq 1", "not-a-guid", "", "8d04ce3c-6360-11e9-dd92-fa163e8ba11d' or '1"]
    )
    def test_guid_refuses_non_guids(self, bad: str) -> None:
        with pytest.raises(ValueError):
            oq.Guid(bad)

    def test_guid_and_cast_literals(self) -> None:
        assert oq.Guid(GUID.upper()).literal() == f"guid'{GUID}'"
        cast = oq.CastRef(GUID, "StandardODATA.Document_ЗаказПокупателя").literal()
        assert cast == f"cast(guid'{GUID}','Document_ЗаказПокупателя')"
        with pytest.raises(ValueError):
            oq.CastRef(GUID, "Document_X') or (1 eq 1")

    def test_datetime_literal_is_naive_and_second_precision(self) -> None:
        assert oq.literal(datetime(2024, 5, 20, 10, 15, 0, 123)) == "datetime'2024-05-20T10:15:00'"
        with pytest.raises(ValueError):
            oq.datetime_literal(datetime.fromisoformat("2024-05-20T10:15:00+03:00"))

    def test_other_literals(self) -> None:
        assert oq.literal(True) == "true"
        assert oq.literal(False) == "false"
        assert oq.literal(None) == "null"
        assert oq.literal(Decimal("12.50")) == "12.50"
        assert oq.literal(7) == "7"

    @pytest.mark.parametrize("bad", ["a eq 1 or b", "x'", "Поле)", "", "1abc", "a//b"])
    def test_field_names_cannot_carry_syntax(self, bad: str) -> None:
        with pytest.raises(ValueError):
            oq.eq(bad, 1)

    def test_filter_composition(self) -> None:
        f = oq.eq("A", 1) & (oq.eq("B", "x") | ~oq.eq("C", True))
        assert f.expr == "(A eq 1) and ((B eq 'x') or (not (C eq true)))"
        assert oq.in_("Артикул", ["a", "b"]).expr == "(Артикул eq 'a') or (Артикул eq 'b')"
        assert oq.and_(oq.eq("A", 1), None).expr == "A eq 1"
        with pytest.raises(ValueError):
            oq.or_()
        lam = oq.any_("Товары", "t", oq.eq("t/ЗаказПокупателя_Key", oq.Guid(GUID)))
        assert lam.expr == f"Товары/any(t: t/ЗаказПокупателя_Key eq guid'{GUID}')"
        assert oq.isof("Объект", "Catalog_Контрагенты").expr == "isof(Объект,'Catalog_Контрагенты')"
        assert oq.substringof("a'b", "Комментарий").expr == "substringof('a''b', Комментарий)"


class TestUrls:
    def test_query_uses_percent20_never_plus_and_keeps_dollar(self) -> None:
        q = oq.build_query({"$filter": "Code eq '1 2'", "$top": "5"})
        assert q == "$filter=Code%20eq%20%271%202%27&$top=5"
        assert "+" not in q

    def test_cyrillic_path_and_keys(self) -> None:
        assert (
            oq.entity_path("Catalog_Номенклатура")
            == "Catalog_%D0%9D%D0%BE%D0%BC%D0%B5%D0%BD%D0%BA%D0%BB%D0%B0%D1%82%D1%83%D1%80%D0%B0"
        )
        assert oq.entity_path("Document_X", GUID, "Post") == f"Document_X(guid'{GUID}')/Post"
        seg = oq.key_segment({"Code": "a/b?c#d'e", "Ref_Key": oq.Guid(GUID)})
        assert seg == f"(Code='a%2Fb%3Fc%23d''e',Ref_Key=guid'{GUID}')"

    @respx.mock
    def test_wire_url_keeps_percent20(self) -> None:
        route = respx.get(url__startswith=BASE).mock(return_value=ok({"value": []}))
        client, _ = make_client()
        client.get_collection("Catalog_Номенклатура", select=["Ref_Key"], filter=oq.eq("Артикул", "AB 1+2"))
        raw = route.calls.last.request.url.raw_path.decode("ascii")
        assert "%20eq%20" in raw and "+" not in raw
        assert "AB%201%2B2" in raw
        assert "$select=Ref_Key" in raw and "$format=json" in raw

    @respx.mock
    def test_virtual_table_styles(self) -> None:
        route = respx.get(url__startswith=BASE).mock(return_value=ok({"value": []}))
        cond = oq.eq("Склад_Key", oq.Guid(GUID))
        for style in oq.VirtualTableStyle:
            client, _ = make_client(virtual_table_style=style)
            client.virtual_table("AccumulationRegister_ТоварыНаСкладах", "Balance", condition=cond)
        urls = [unquote(c.request.url.raw_path.decode()) for c in route.calls]
        assert urls[0].endswith(f"/Balance?Condition=Склад_Key eq guid'{GUID}'&$format=json")
        assert urls[1].endswith(f"/Balance()?Condition='Склад_Key eq guid''{GUID}'''&$format=json")
        assert urls[2].endswith(f"/Balance(Condition='Склад_Key eq guid''{GUID}''')?$format=json")


class TestErrors:
    @pytest.mark.parametrize(
        ("response", "exc"),
        [
            (odata_error(404, "9"), UtpNotFoundError),
            (odata_error(400, "14"), UtpBadQueryError),
            (odata_error(400, "15"), UtpDuplicateKeyError),
            (odata_error(403, "20"), UtpAccessError),
            (odata_error(400, "6"), UtpBadRequestError),
            (odata_error(400, "13"), UtpBadRequestError),
            (httpx.Response(401, text="Unauthorized"), UtpAccessError),
            (httpx.Response(404, text=""), UtpNotFoundError),
        ],
    )
    @respx.mock
    def test_code_mapping_and_no_retry(self, response: httpx.Response, exc: type[Exception]) -> None:
        route = respx.get(url__startswith=BASE).mock(return_value=response)
        client, sleeps = make_client()
        with pytest.raises(exc) as info:
            client.get_entity("Catalog_X", GUID)
        assert route.call_count == 1 and sleeps == []
        assert not isinstance(info.value, UtpServerError)

    @respx.mock
    def test_business_refusal_keeps_1c_text(self) -> None:
        respx.post(url__startswith=BASE).mock(return_value=odata_error(500, "-1", "Не заполнен договор"))
        client, _ = make_client()
        with pytest.raises(UtpBusinessRefusal) as info:
            client.post_document("Document_X", GUID)
        assert info.value.code == "-1" and info.value.status == 500
        assert "Не заполнен договор" in str(info.value)

    @respx.mock
    def test_xml_error_body(self) -> None:
        xml = (
            '<?xml version="1.0"?><m:error xmlns:m="x"><m:code>9</m:code>'
            "<m:message>Не найден</m:message></m:error>"
        )
        respx.get(url__startswith=BASE).mock(
            return_value=httpx.Response(404, text=xml, headers={"content-type": "application/xml"})
        )
        client, _ = make_client()
        with pytest.raises(UtpNotFoundError) as info:
            client.get_entity("Catalog_X", GUID)
        assert info.value.code == "9" and info.value.message == "Не найден"


class TestRetries:
    @respx.mock
    def test_get_retried_on_503_then_succeeds_with_bounded_backoff(self) -> None:
        route = respx.get(url__startswith=BASE).mock(
            side_effect=[httpx.Response(503), httpx.Response(502), ok({"value": [{"Ref_Key": GUID}]})]
        )
        client, sleeps = make_client(retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8))
        rows = client.get_collection("Catalog_X", select=["Ref_Key"])
        assert rows == [{"Ref_Key": GUID}]
        assert route.call_count == 3
        assert sleeps == [0.5, 1.0]  # rand()=1 → the ceiling of each step

    @respx.mock
    def test_get_gives_up_after_max_attempts(self) -> None:
        route = respx.get(url__startswith=BASE).mock(return_value=httpx.Response(504))
        client, sleeps = make_client(retry=RetryPolicy(max_attempts=3))
        with pytest.raises(UtpServerError):
            client.get_collection("Catalog_X", select=["Ref_Key"])
        assert route.call_count == 3 and len(sleeps) == 2

    @respx.mock
    def test_get_500_without_business_code_is_retried(self) -> None:
        route = respx.get(url__startswith=BASE).mock(
            side_effect=[httpx.Response(500, text="boom"), ok({"value": []})]
        )
        client, _ = make_client()
        assert client.get_collection("Catalog_X", select=["Ref_Key"]) == []
        assert route.call_count == 2

    @pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
    @respx.mock
    def test_get_retried_on_timeout_and_reset(self, exc: type[Exception]) -> None:
        route = respx.get(url__startswith=BASE).mock(side_effect=[exc("x"), ok({"value": []})])
        client, sleeps = make_client()
        assert client.get_collection("Catalog_X", select=["Ref_Key"]) == []
        assert route.call_count == 2 and len(sleeps) == 1

    @pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError])
    @respx.mock
    def test_post_after_send_is_outcome_unknown_and_not_retried(self, exc: type[Exception]) -> None:
        route = respx.post(url__startswith=BASE).mock(side_effect=exc("x"))
        client, sleeps = make_client()
        with pytest.raises(UtpOutcomeUnknownError):
            client.create("Document_X", {"a": 1})
        assert route.call_count == 1 and sleeps == []

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    @respx.mock
    def test_write_5xx_is_outcome_unknown(self, status: int) -> None:
        route = respx.patch(url__startswith=BASE).mock(return_value=httpx.Response(status))
        client, _ = make_client()
        with pytest.raises(UtpOutcomeUnknownError):
            client.update("Document_X", GUID, {"a": 1})
        assert route.call_count == 1

    @respx.mock
    def test_post_retried_when_connection_never_made(self) -> None:
        route = respx.post(url__startswith=BASE).mock(
            side_effect=[httpx.ConnectError("refused"), ok({"Ref_Key": GUID}, 201)]
        )
        client, sleeps = make_client()
        assert client.create("Document_X", {"a": 1})["Ref_Key"] == GUID
        assert route.call_count == 2 and len(sleeps) == 1

    @respx.mock
    def test_post_business_refusal_not_retried(self) -> None:
        route = respx.post(url__startswith=BASE).mock(return_value=odata_error(500, "-1"))
        client, sleeps = make_client()
        with pytest.raises(UtpBusinessRefusal):
            client.post_document("Document_X", GUID)
        assert route.call_count == 1 and sleeps == []

    @respx.mock
    def test_connect_errors_exhaust_into_transport_error(self) -> None:
        route = respx.get(url__startswith=BASE).mock(side_effect=httpx.ConnectTimeout("slow"))
        client, sleeps = make_client(retry=RetryPolicy(max_attempts=2))
        with pytest.raises(UtpTransportError) as info:
            client.count("Catalog_X")
        assert not isinstance(info.value, UtpOutcomeUnknownError)
        assert route.call_count == 2 and len(sleeps) == 1

    @given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=1))
    def test_backoff_is_bounded_and_jittered(self, attempt: int, r: float) -> None:
        policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
        delay = policy.delay(attempt - 1, r)
        ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling

    def test_default_timeouts_sized_for_1c(self) -> None:
        t = od.Timeouts()
        assert t.connect == 10 and t.read == 90
        client = od.ODataClient.open("http://h/b/odata/standard.odata", "Користувач", "пароль")
        assert client.http.timeout.read == 90 and client.http.timeout.connect == 10
        assert str(client.http.base_url) == "http://h/b/odata/standard.odata/"
        client.close()


class TestContent:
    @respx.mock
    def test_html_with_200_is_an_error(self) -> None:
        respx.get(url__startswith=BASE).mock(
            return_value=httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"})
        )
        client, sleeps = make_client()
        with pytest.raises(UtpProtocolError, match="HTML"):
            client.get_collection("Catalog_X", select=["Ref_Key"])
        assert sleeps == []

    @respx.mock
    def test_charset_lie_still_decodes_utf8(self) -> None:
        body = '{"value":[{"Description":"Кабель ПВС 3×1,5","Цена":12.5}]}'.encode()
        respx.get(url__startswith=BASE).mock(
            return_value=httpx.Response(
                200, content=body, headers={"content-type": "application/json; charset=windows-1251"}
            )
        )
        client, _ = make_client()
        rows = client.get_collection("Catalog_X", select=["Description"])
        assert rows == [{"Description": "Кабель ПВС 3×1,5", "Цена": Decimal("12.5")}]

    @respx.mock
    def test_real_cp1251_body_falls_back_to_declared_charset(self) -> None:
        body = '{"value":[{"Description":"Кабель"}]}'.encode("cp1251")
        respx.get(url__startswith=BASE).mock(
            return_value=httpx.Response(
                200, content=body, headers={"content-type": "application/json; charset=windows-1251"}
            )
        )
        client, _ = make_client()
        assert client.get_collection("Catalog_X", select=["Description"])[0]["Description"] == "Кабель"

    @respx.mock
    def test_non_json_and_bad_json(self) -> None:
        respx.get(url__startswith=BASE).mock(
            side_effect=[
                httpx.Response(200, text="hello", headers={"content-type": "text/plain"}),
                httpx.Response(200, text="{bad", headers={"content-type": JSON_CT}),
                httpx.Response(200, json={"no": "value"}, headers={"content-type": JSON_CT}),
            ]
        )
        client, _ = make_client()
        for _ in range(3):
            with pytest.raises(UtpProtocolError):
                client.get_collection("Catalog_X", select=["Ref_Key"])

    def test_decimals_and_int64_strings(self) -> None:
        parsed = oa.parse_json('{"Сумма": 3162.26, "LineNumber": "1", "Количество": 3, "Курс": 0.1}')
        assert parsed["Сумма"] == Decimal("3162.26") and isinstance(parsed["Сумма"], Decimal)
        assert parsed["Курс"] == Decimal("0.1")
        assert parsed["LineNumber"] == "1"

    @respx.mock
    def test_count_and_bom(self) -> None:
        route = respx.get(url__startswith=BASE).mock(
            return_value=httpx.Response(
                200, content="\ufeff42".encode(), headers={"content-type": "text/plain"}
            )
        )
        client, _ = make_client()
        assert client.count("Catalog_X", oq.eq("DeletionMark", False)) == 42
        assert "/$count?$filter=DeletionMark%20eq%20false" in route.calls.last.request.url.raw_path.decode()

    @respx.mock
    def test_post_and_unpost_accept_empty_answers(self) -> None:
        route = respx.post(url__startswith=BASE).mock(return_value=httpx.Response(200))
        client, _ = make_client()
        assert client.post_document("Document_X", GUID) is None
        assert client.unpost_document("Document_X", GUID) is None
        paths = [c.request.url.raw_path.decode() for c in route.calls]
        assert paths[0].endswith(f"Document_X(guid'{GUID}')/Post?PostingModeOperational=false")
        assert paths[1].endswith(f"Document_X(guid'{GUID}')/Unpost")

    @respx.mock
    def test_json_body_is_utf8_with_decimals(self) -> None:
        route = respx.post(url__startswith=BASE).mock(return_value=ok({"Ref_Key": GUID}, 201))
        client, _ = make_client()
        client.create("Catalog_Контрагенты", {"Description": "ТОВ «Приклад»", "Сума": Decimal("10.50")})
        request = route.calls.last.request
        assert request.headers["content-type"].startswith("application/json")
        assert request.content.decode("utf-8") == '{"Description": "ТОВ «Приклад»", "Сума": 10.5}'


class TestPaging:
    @respx.mock
    def test_iter_collection_pages_with_orderby_top_skip(self) -> None:
        pages = [ok({"value": [{"n": i} for i in range(s, min(s + 2, 5))]}) for s in (0, 2, 4)]
        route = respx.get(url__startswith=BASE).mock(side_effect=pages)
        client, _ = make_client()
        rows = list(client.iter_collection("Catalog_X", select=["Ref_Key"], page_size=2))
        assert [r["n"] for r in rows] == [0, 1, 2, 3, 4]
        queries = [unquote(c.request.url.raw_path.decode()) for c in route.calls]
        assert all("$orderby=Ref_Key" in q for q in queries)
        assert ["$skip=0" in queries[0], "$skip=2" in queries[1], "$skip=4" in queries[2]] == [True] * 3
        assert all("$top=2" in q for q in queries)

    def test_select_is_mandatory(self) -> None:
        client, _ = make_client()
        with pytest.raises(ValueError):
            client.get_collection("Catalog_X", select=[])


HOSTILE_TEXT = st.text(max_size=30) | st.sampled_from(
    [*NASTY, "') or (", "' or 1 eq 1", "eq", "%27", "+", "&$filter=", "Коваль'чук", "''''", "\\'"]
)


class TestFilterBuildersKeepDataAsData:
    @given(st.lists(HOSTILE_TEXT, min_size=1, max_size=5))
    def test_in_filter_has_one_comparison_per_value(self, values: list[str]) -> None:
        expr = oq.in_("Артикул", values).expr
        toks = [t for t in tokens(expr) if t not in ("(", ")")]
        # field eq literal, joined by "or": exactly 4n-1 tokens whatever the values hold.
        assert len(toks) == 4 * len(values) - 1, toks
        literals = toks[2::4]
        assert [t[1:-1].replace("''", "'") for t in literals] == values
        assert toks[3::4] == ["or"] * (len(values) - 1)

    @given(HOSTILE_TEXT, HOSTILE_TEXT)
    def test_and_of_hostile_values_is_two_comparisons(self, a: str, b: str) -> None:
        expr = oq.and_(oq.eq("Description", a), oq.ne("Комментарий", b)).expr
        toks = [t for t in tokens(expr) if t not in ("(", ")")]
        assert toks[:2] == ["Description", "eq"] and toks[3:6] == ["and", "Комментарий", "ne"]
        assert (
            len(toks) == 7 and toks[2][1:-1].replace("''", "'") == a and toks[6][1:-1].replace("''", "'") == b
        )

    @given(HOSTILE_TEXT)
    def test_substringof_needle_is_one_literal(self, needle: str) -> None:
        toks = tokens(oq.substringof(needle, "Комментарий").expr)
        assert toks[0] == "substringof" and toks[1] == "(" and toks[-1] == ")"
        assert (
            len(toks) == 6
            and toks[2][1:-1].replace("''", "'") == needle
            and toks[3:5] == [",", "Комментарий"]
        )

    @given(HOSTILE_TEXT)
    def test_compound_key_segment_keeps_the_value_one_literal(self, value: str) -> None:
        segment = oq.key_segment({"Code": value})
        assert not set(segment[1:-1]) & set(" +&#?/")  # nothing that would end or split the path
        assert unquote(segment) == f"(Code={oq.string_literal(value)})"
