"""The doctor's $metadata check (bridge.sync.preflight): against a recorded real $metadata, and against
$metadata documents with an object removed, a field removed and a field of the wrong type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bridge.sync.preflight_findings import Finding, Severity
from bridge.sync.preflight_schema import MetadataError, check_schema, parse_metadata, unchecked
from bridge.utp import names as n
from sandbox.utp.metadata import build_metadata

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "utp" / "recorded-metadata.xml"


def _by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


@pytest.fixture(scope="module")
def full() -> str:
    """A $metadata that publishes everything the bridge uses (the UTP emulator's)."""
    return build_metadata()


def test_the_recorded_metadata_of_a_real_base_is_read_and_judged() -> None:
    schema = parse_metadata(RECORDED.read_text(encoding="utf-8"))
    # A selective composition: 20 sets, with the catalogs below among them.
    assert len(schema.sets) == 20
    assert schema.properties(n.PRODUCTS)["Артикул"] == "Edm.String"
    assert schema.properties(n.COUNTERPARTIES)["Parent_Key"] == "Edm.Guid"
    findings = _by_check(check_schema(schema))
    for published in (n.ORGANISATIONS, n.CURRENCIES, n.PRODUCTS, n.COUNTERPARTIES):
        assert findings[f"odata {published}"].severity is Severity.OK, findings[f"odata {published}"]
    for missing in (n.ORDER, n.WAREHOUSES, n.PROPERTY_VALUES, n.STOCK, n.PRICES + n.RECORD_TYPE):
        finding = findings[f"odata {missing}"]
        assert finding.severity is Severity.BLOCKER and "not published" in finding.detail
        assert "УстановитьСоставСтандартногоИнтерфейсаOData" in finding.fix
    # Only needed under a condition that does not hold: a warning, not a blocker.
    assert findings[f"odata {n.USERS}"].severity is Severity.WARNING
    assert findings[f"odata {n.NTT_STOCK}"].severity is Severity.WARNING
    # The recording carries no string length at all: the doctor cannot check lengths from $metadata.
    assert "MaxLength" not in RECORDED.read_text(encoding="utf-8")


def test_everything_published_as_expected_gives_no_blocker(full: str) -> None:
    findings = check_schema(parse_metadata(full), needed={n.WHEN_RESPONSIBLE_USER, n.WHEN_RETAIL_STOCK})
    assert [f for f in findings if f.severity is Severity.BLOCKER] == []
    order = _by_check(findings)[f"odata {n.ORDER}"]
    assert order.severity is Severity.OK


def test_a_removed_entity_set_is_a_blocker_with_the_way_to_publish_it(full: str) -> None:
    text = re.sub(r'\s*<EntitySet Name="Document_РеализацияТоваровУслуг" [^>]*/>', "", full)
    finding = _by_check(check_schema(parse_metadata(text)))[f"odata {n.INVOICE}"]
    assert finding.severity is Severity.BLOCKER
    assert "Метаданные.Документы.РеализацияТоваровУслуг" in finding.fix
    assert "ПолучитьСоставСтандартногоИнтерфейсаOData" in finding.fix


def test_a_removed_field_is_a_blocker(full: str) -> None:
    text = full.replace('<Property Name="ВидПередачи" Type="Edm.String" Nullable="true"/>', "", 1)
    finding = _by_check(check_schema(parse_metadata(text)))[f"odata {n.INVOICE}"]
    assert finding.severity is Severity.BLOCKER
    assert "ВидПередачи missing" in finding.detail and finding.fix


def test_a_removed_field_of_a_tabular_section_is_a_blocker(full: str) -> None:
    start = full.index('<ComplexType Name="Document_ВозвратТоваровОтПокупателя_Товары_RowType">')
    end = full.index("</ComplexType>", start)
    row_type = full[start:end]
    text = full[:start] + re.sub(r'<Property Name="Качество_Key"[^>]*/>', "", row_type) + full[end:]
    finding = _by_check(check_schema(parse_metadata(text)))[f"odata {n.RETURN}"]
    assert finding.severity is Severity.BLOCKER and "Товары.Качество_Key missing" in finding.detail


def test_a_double_where_a_guid_is_expected_is_a_blocker(full: str) -> None:
    start = full.index('<EntityType Name="Document_ЗаказПокупателя">')
    text = full[:start] + full[start:].replace(
        '<Property Name="Контрагент_Key" Type="Edm.Guid"',
        '<Property Name="Контрагент_Key" Type="Edm.Double"',
        1,
    )
    finding = _by_check(check_schema(parse_metadata(text)))[f"odata {n.ORDER}"]
    assert finding.severity is Severity.BLOCKER
    assert "Контрагент_Key is Edm.Double, expected Edm.Guid" in finding.detail


def test_a_string_where_a_number_is_expected_is_a_blocker_but_any_number_type_is_fine(full: str) -> None:
    start = full.index('<EntityType Name="Document_ЗаказПокупателя">')
    as_int = full[:start] + full[start:].replace(
        '<Property Name="СуммаДокумента" Type="Edm.Double"',
        '<Property Name="СуммаДокумента" Type="Edm.Int64"',
        1,
    )
    assert _by_check(check_schema(parse_metadata(as_int)))[f"odata {n.ORDER}"].severity is Severity.OK
    as_text = as_int.replace(
        '<Property Name="СуммаДокумента" Type="Edm.Int64"',
        '<Property Name="СуммаДокумента" Type="Edm.String"',
        1,
    )
    finding = _by_check(check_schema(parse_metadata(as_text)))[f"odata {n.ORDER}"]
    assert finding.severity is Severity.BLOCKER and "СуммаДокумента is Edm.String" in finding.detail


def test_a_missing_virtual_table_is_a_blocker(full: str) -> None:
    text = re.sub(
        r'<FunctionImport Name="Balance"[^>]*ТоварыВРезервеНаСкладах_Balance\)">.*?</FunctionImport>',
        "",
        full,
        flags=re.S,
    )
    finding = _by_check(check_schema(parse_metadata(text)))[f"odata {n.RESERVES}"]
    assert finding.severity is Severity.BLOCKER and "virtual table Balance missing" in finding.detail


def test_a_conditional_object_is_a_blocker_only_when_the_condition_holds(full: str) -> None:
    text = re.sub(r'\s*<EntitySet Name="Catalog_Пользователи" [^>]*/>', "", full)
    schema = parse_metadata(text)
    assert _by_check(check_schema(schema))[f"odata {n.USERS}"].severity is Severity.WARNING
    needed = {n.WHEN_RESPONSIBLE_USER}
    assert _by_check(check_schema(schema, needed=needed))[f"odata {n.USERS}"].severity is Severity.BLOCKER


def test_a_settings_attribute_of_the_order_must_be_a_published_string(full: str) -> None:
    schema = parse_metadata(full)
    findings = _by_check(
        check_schema(schema, extra_order_fields={"СтатусЗамовленняCRM": "order_status_attribute"})
    )
    assert findings[f"odata {n.ORDER}"].severity is Severity.OK
    findings = _by_check(check_schema(schema, extra_order_fields={"НемаТакого": "order_status_attribute"}))
    finding = findings[f"odata {n.ORDER}"]
    assert finding.severity is Severity.BLOCKER and "НемаТакого missing (setting order_status_attribute)" in (
        finding.detail
    )


def test_a_document_type_declaration_is_refused_before_parsing() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(MetadataError, match="DOCTYPE"):
        parse_metadata(bomb)
    with pytest.raises(MetadataError, match="not XML"):
        parse_metadata("<html>login")
    with pytest.raises(MetadataError, match="no entity set"):
        parse_metadata("<edmx:Edmx xmlns:edmx='http://schemas.microsoft.com/ado/2007/06/edmx'/>")


def test_what_metadata_cannot_tell_is_listed() -> None:
    notes = unchecked()
    assert any("ВидПередачи: the bridge writes СоСклада" in note for note in notes)
    assert any("ВидДоговора: the bridge writes СПокупателем" in note for note in notes)
    assert any("20 characters" in note for note in notes)


def test_a_conditional_register_without_its_virtual_table_is_a_warning_until_needed(full: str) -> None:
    text = re.sub(
        r'<FunctionImport Name="Balance"[^>]*ТоварыВРознице_Balance\)">.*?</FunctionImport>',
        "",
        full,
        flags=re.S,
    )
    schema = parse_metadata(text)
    finding = _by_check(check_schema(schema))[f"odata {n.RETAIL_STOCK}"]
    assert finding.severity is Severity.WARNING and "virtual table Balance missing" in finding.detail
    finding = _by_check(check_schema(schema, needed={n.WHEN_RETAIL_STOCK}))[f"odata {n.RETAIL_STOCK}"]
    assert finding.severity is Severity.BLOCKER
