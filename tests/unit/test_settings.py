from __future__ import annotations

import json

import pytest

from bridge.settings import BridgeSettings, SettingsError, StatusRule, load_settings

MINIMAL = {
    "salesdrive_account": "sparesshop",
    "organisation": "ТОВ Запчастини Плюс",
    "price_type": "Роздрібна",
    "default_warehouse": "Основний склад",
    "cash_desk": "Каса",
    "closure_reason": "Відмова покупця",
}


def test_minimal_settings_take_safe_defaults() -> None:
    settings = load_settings(json.dumps(MINIMAL))
    assert settings.currency_code == "980"
    assert settings.completed.matches(5, 2)
    assert settings.cancelled.matches(6, 3)
    assert not settings.completed.matches(1, 1)
    assert settings.order_marker_field == "НомерВходящегоДокументаЭлектронногоОбмена"
    assert [c.field for c in settings.characteristics] == ["sajt"]


def test_status_rule_by_ids_ignores_types() -> None:
    rule = StatusRule(status_ids=frozenset({5, 14}))
    assert rule.matches(14, None)
    assert not rule.matches(6, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"organisation": ""}, "organisation"),
        ({"vat_rate": "VAT20"}, "vat_rate"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"warehouses": {"one": "Склад"}}, "warehouses"),
        ({"unexpected": 1}, "unexpected"),
        ({"completed": {"status_types": [2]}, "cancelled": {"status_types": [2, 3]}}, "both completed"),
        (
            {
                "characteristics": [
                    {"field": "sajt", "property": "P"},
                    {"field": "utmSource", "property": "P"},
                ]
            },
            "same property twice",
        ),
    ],
)
def test_bad_settings_fail_with_a_message_naming_the_setting(change: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({**MINIMAL, **change})


def test_missing_required_setting_is_named() -> None:
    data = dict(MINIMAL)
    del data["cash_desk"]
    with pytest.raises(SettingsError, match="cash_desk"):
        load_settings(data)


def test_not_json_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="not JSON"):
        load_settings("{oops")


def test_settings_are_immutable() -> None:
    settings = BridgeSettings.model_validate(MINIMAL)
    with pytest.raises(ValueError, match="frozen"):
        settings.organisation = "other"  # type: ignore[misc]


def test_a_characteristic_goes_to_exactly_one_place() -> None:
    with pytest.raises(SettingsError, match="exactly one"):
        load_settings({**MINIMAL, "characteristics": [{"field": "sajt"}]})
    with pytest.raises(SettingsError, match="exactly one"):
        load_settings({**MINIMAL, "characteristics": [{"field": "sajt", "property": "P", "attribute": "A"}]})


def test_attribute_mode_names_the_attributes_read_with_each_order() -> None:
    settings = load_settings(
        {
            **MINIMAL,
            "order_status_attribute": "СтатусЗамовленняCRM",
            "characteristics": [
                {"field": "sajt", "attribute": "ДжерелоЗамовлення"},
                {"field": "utmSource", "property": "UTM"},
            ],
        }
    )
    assert settings.status_key == "@СтатусЗамовленняCRM"
    assert settings.order_attributes == ["ДжерелоЗамовлення", "СтатусЗамовленняCRM"]
    assert [c.target() for c in settings.characteristics] == ["@ДжерелоЗамовлення", "UTM"]
    with pytest.raises(SettingsError, match="cannot also hold"):
        load_settings(
            {
                **MINIMAL,
                "order_status_attribute": "A",
                "characteristics": [{"field": "sajt", "attribute": "A"}],
            }
        )
