"""The doctor's rule: does this UTP base, with these settings and this SalesDrive key, run the bridge?

Runs the ``$metadata`` check (``preflight_schema``), the reference-data check (``preflight_reference``)
and the SalesDrive check below (one call: the status list; the settings' status ids exist there). Each
check gives ``Finding``s (``preflight_findings``). Nothing is written anywhere.
"""

from __future__ import annotations

from typing import Any, Protocol

from bridge.settings import BridgeSettings
from bridge.sync.preflight_findings import Finding, Report, Severity
from bridge.sync.preflight_reference import UtpReader, check_reference
from bridge.sync.preflight_schema import MetadataError, check_schema, parse_metadata, unchecked
from bridge.utp.errors import UtpError


class StatusReader(Protocol):
    def statuses(self, *, refresh: bool = False) -> list[Any]: ...


# -- SalesDrive -------------------------------------------------------------------------------------------


def check_salesdrive(settings: BridgeSettings, salesdrive: StatusReader) -> list[Finding]:
    """One call (the status list): the key works and the settings' status ids and types exist."""
    from bridge.salesdrive.errors import SalesDriveAuthError, SalesDriveError

    try:
        statuses = salesdrive.statuses(refresh=True)
    except SalesDriveAuthError as exc:
        return [
            Finding(
                "salesdrive api key",
                Severity.BLOCKER,
                f"SalesDrive refuses the key: {exc}",
                "Store a valid API key of the account (SalesDrive → Settings → API) as salesdrive-api-key.",
            )
        ]
    except SalesDriveError as exc:
        return [Finding("salesdrive api key", Severity.BLOCKER, f"SalesDrive does not answer: {exc}")]
    findings = [Finding("salesdrive api key", Severity.OK, f"the key works ({len(statuses)} statuses)")]
    by_id = {s.id: s for s in statuses}
    types = {int(s.type) for s in statuses if s.type is not None}
    for rule_name in ("completed", "cancelled"):
        rule = getattr(settings, rule_name)
        check = f"setting {rule_name}"
        missing = sorted(i for i in rule.status_ids if i not in by_id)
        if missing:
            findings.append(
                Finding(
                    check,
                    Severity.BLOCKER,
                    f"status id(s) {missing} do not exist in SalesDrive (known: {sorted(by_id)})",
                    f"Correct '{rule_name}.status_ids' (SalesDrive → Settings → Statuses), or use status "
                    "types.",
                )
            )
            continue
        absent_types = sorted(t for t in rule.status_types if t not in types)
        if absent_types:
            findings.append(
                Finding(
                    check,
                    Severity.WARNING,
                    f"no SalesDrive status has type {absent_types}: the rule never fires by type",
                    f"Name the statuses in '{rule_name}.status_ids'.",
                )
            )
            continue
        matched = [by_id[i].name or str(i) for i in sorted(rule.status_ids)]
        matched += [
            s.name or str(s.id) for s in statuses if s.type is not None and int(s.type) in rule.status_types
        ]
        findings.append(Finding(check, Severity.OK, f"statuses: {', '.join(dict.fromkeys(matched))}"))
    return findings


# -- the whole doctor -------------------------------------------------------------------------------------


def check_utp(settings: BridgeSettings, utp: UtpReader, metadata: str | None) -> list[Finding]:
    """The base's ``$metadata`` (read from ``utp`` when not given), then its schema and reference data."""
    findings: list[Finding] = []
    schema = None
    try:
        text = metadata if metadata is not None else utp.odata.request("GET", "$metadata", expect="text")
        schema = parse_metadata(str(text))
        findings.append(Finding("utp $metadata", Severity.OK, f"{len(schema.sets)} entity sets published"))
    except (UtpError, MetadataError) as exc:
        findings.append(
            Finding(
                "utp $metadata",
                Severity.BLOCKER,
                f"cannot read $metadata: {type(exc).__name__}: {exc}",
                "Check the OData URL (…/odata/standard.odata), the user and password, and that the base "
                "is published with the standard OData interface.",
            )
        )
    if schema is not None:
        reference, needed = check_reference(settings, utp)
        extra = {settings.order_marker_field: "order_marker_field"}
        if settings.order_status_attribute:
            extra[settings.order_status_attribute] = "order_status_attribute"
        for c in settings.characteristics:
            if c.attribute:
                extra[c.attribute] = f"characteristics.{c.field}"
        findings += check_schema(schema, needed=needed, extra_order_fields=extra)
        findings += reference
    return findings


def run_preflight(
    settings: BridgeSettings,
    utp: UtpReader | None,
    salesdrive: StatusReader | None,
    *,
    metadata: str | None = None,
) -> Report:
    """Every check; ``metadata`` is the ``$metadata`` text (read from ``utp`` when not given). ``None``
    collaborators are skipped with a warning."""
    report = Report()
    if utp is None:
        report.findings.append(Finding("utp", Severity.WARNING, "UTP was not checked (no connection given)"))
    else:
        report.findings += check_utp(settings, utp, metadata)
    if salesdrive is None:
        report.findings.append(
            Finding("salesdrive", Severity.WARNING, "SalesDrive was not checked (no key given)")
        )
    else:
        report.findings += check_salesdrive(settings, salesdrive)
    report.unchecked = unchecked()
    return report
