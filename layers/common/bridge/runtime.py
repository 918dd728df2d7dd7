"""Composition root of the Lambda functions: builds the rules' collaborators from the deployment.

Nothing here runs at import time. Each getter reads the environment and the secrets the first time it
is called and caches the result for the life of the Lambda instance; ``reset()`` forgets everything, for
tests and for the sandbox. Secrets come from SSM Parameter Store through Powertools' parameters utility
(cached with a maximum age, so a rotated token is picked up without a redeploy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.salesdrive.client import SalesDriveClient
    from bridge.settings import BridgeSettings
    from bridge.store.bucket import CatalogFingerprintStore, CatalogWatchStateStore, SeenStatusStore
    from bridge.store.catalog_changes import CatalogChangeQueue
    from bridge.store.cursors import CursorStore
    from bridge.store.deal_queue import DealQueue
    from bridge.store.deals import DealStore
    from bridge.store.read_budget_item import DynamoReadBudget
    from bridge.store.status_writes import StatusWritesStore
    from bridge.sync.accounting_state import AccountingStateWriter
    from bridge.sync.deals import DealCollaborators
    from bridge.sync.option_names import OptionNames
    from bridge.sync.reference import UtpReference
    from bridge.utp.client import UtpClient

SECRET_MAX_AGE_S = 300


class ConfigurationError(RuntimeError):
    """The deployment lacks something the function needs; the message says what."""


@dataclass(frozen=True)
class Deployment:
    table_name: str
    secrets_prefix: str
    salesdrive_account: str
    deal_queue_url: str | None
    utp_odata_url: str | None
    salesdrive_url: str | None


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


@cache
def deployment() -> Deployment:
    return Deployment(
        table_name=_required("BRIDGE_TABLE"),
        secrets_prefix=_required("BRIDGE_SECRETS_PREFIX").rstrip("/"),
        salesdrive_account=_required("SALESDRIVE_ACCOUNT"),
        deal_queue_url=os.environ.get("DEAL_QUEUE_URL"),
        utp_odata_url=os.environ.get("UTP_ODATA_URL"),
        # Only the sandbox overrides it; in AWS the account's own host is used.
        salesdrive_url=os.environ.get("SALESDRIVE_URL"),
    )


def secret(name: str) -> str:
    """A SecureString under the deployment's prefix, decrypted and cached for a few minutes."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_parameter(
        f"{deployment().secrets_prefix}/{name}", decrypt=True, max_age=SECRET_MAX_AGE_S
    )
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"secret {deployment().secrets_prefix}/{name} is empty")
    return value


def webhook_tokens() -> list[str]:
    """The accepted webhook tokens: during a rotation the parameter holds "new,old"."""
    return [t.strip() for t in secret("webhook-token").replace("\n", ",").split(",") if t.strip()]


def catalog_trigger_tokens() -> list[str]:
    """Tokens UTP presents to the catalog trigger (``catalog-trigger-token``; "new,old" during a rotation)."""
    return [t.strip() for t in secret("catalog-trigger-token").replace("\n", ",").split(",") if t.strip()]


def yml_public_key() -> str:
    """The public key of SalesDrive's YML export (``salesdrive-yml-key``), read by the product matcher."""
    return secret("salesdrive-yml-key")


def _catalog_bucket() -> str:
    """The bridge's S3 bucket (catalog fingerprints, the watcher's state, seen statuses)."""
    bucket = os.environ.get("CATALOG_BUCKET")
    if not bucket:
        raise ConfigurationError("environment variable CATALOG_BUCKET is not set")
    return bucket


@cache
def fingerprint_store() -> CatalogFingerprintStore:
    from bridge.store.bucket import CatalogFingerprintStore

    return CatalogFingerprintStore(_catalog_bucket())


@cache
def catalog_watch_state() -> CatalogWatchStateStore:
    """The change watcher's memory of the documents of its window (in the bridge's bucket)."""
    from bridge.store.bucket import CatalogWatchStateStore

    return CatalogWatchStateStore(_catalog_bucket())


@cache
def seen_statuses() -> SeenStatusStore | None:
    """The status reconciler's memory of the last run (``statuses/seen.json.gz`` in the bridge's bucket);
    ``None`` where the bucket is not given (every order of the window is then checked in DynamoDB)."""
    from bridge.store.bucket import SeenStatusStore

    bucket = os.environ.get("CATALOG_BUCKET")
    return SeenStatusStore(bucket) if bucket else None


@cache
def settings() -> BridgeSettings:
    from bridge.settings import load_settings

    return load_settings(secret("settings"))


@cache
def deal_queue() -> DealQueue:
    from bridge.store.deal_queue import DealQueue

    url = deployment().deal_queue_url
    if not url:
        raise ConfigurationError("environment variable DEAL_QUEUE_URL is not set")
    return DealQueue(url)


@cache
def catalog_change_queue() -> CatalogChangeQueue | None:
    """The queue of the targeted catalog push; ``None`` where it is not deployed (full pushes only)."""
    from bridge.store.catalog_changes import CatalogChangeQueue

    url = os.environ.get("CATALOG_CHANGE_QUEUE_URL")
    return CatalogChangeQueue(url) if url else None


@cache
def deal_store() -> DealStore:
    from bridge.store.deals import DealStore

    return DealStore(deployment().table_name)


@cache
def status_writes() -> StatusWritesStore:
    from bridge.store.status_writes import StatusWritesStore

    return StatusWritesStore(deployment().table_name)


@cache
def cursors() -> CursorStore:
    from bridge.store.cursors import CursorStore

    return CursorStore(deployment().table_name)


@cache
def read_budget() -> DynamoReadBudget:
    from bridge.store.read_budget_item import DynamoReadBudget

    return DynamoReadBudget(deployment().table_name)


@cache
def utp_client() -> UtpClient:
    from bridge.utp.client import UtpClient

    url = deployment().utp_odata_url
    if not url:
        raise ConfigurationError("environment variable UTP_ODATA_URL is not set")
    return UtpClient.from_settings(
        url,
        secret("utp-user"),
        secret("utp-password"),
        order_marker_field=settings().order_marker_field,
        order_extra_fields=settings().order_attributes,
    )


@cache
def salesdrive_client() -> SalesDriveClient:
    from bridge.salesdrive.client import SalesDriveClient

    return SalesDriveClient(
        api_key=secret("salesdrive-api-key"),
        budget=read_budget(),
        account=deployment().salesdrive_account,
        base_url=deployment().salesdrive_url,
    )


@cache
def utp_reference() -> UtpReference:
    from bridge.sync.reference import resolve_reference

    return resolve_reference(settings(), utp_client())


_STATUS_TTL_S = 600
_statuses: tuple[float, dict[int, tuple[str, int | None]]] | None = None


def salesdrive_statuses() -> dict[int, tuple[str, int | None]]:
    """SalesDrive status id → (name, type), refreshed every few minutes (statuses are reconfigurable)."""
    import time

    global _statuses
    if _statuses is None or time.monotonic() - _statuses[0] > _STATUS_TTL_S:
        statuses = salesdrive_client().statuses(refresh=True)
        _statuses = (
            time.monotonic(),
            {s.id: (s.name or "", int(s.type) if s.type is not None else None) for s in statuses},
        )
    return _statuses[1]


@cache
def option_names() -> OptionNames:
    """SalesDrive's option names (site, payment, delivery…), cached in DynamoDB for hours."""
    from datetime import datetime

    from bridge.sync.option_names import OptionNames

    return OptionNames(salesdrive=salesdrive_client(), cache=cursors(), now=datetime.now)


def deal_collaborators() -> DealCollaborators:
    from bridge.sync.deals import DealCollaborators

    return DealCollaborators(
        utp=utp_client(),
        store=deal_store(),
        settings=settings(),
        reference=utp_reference(),
        statuses=salesdrive_statuses,
        status_writes=status_writes(),
        option_names=option_names(),
        accounting_state=accounting_state_writer(),
    )


@cache
def accounting_state_writer() -> AccountingStateWriter | None:
    """Writes the accounting state into SalesDrive orders; None when the settings name no field."""
    from bridge.store.accounting_state import WrittenStateStore
    from bridge.sync.accounting_state import AccountingStateWriter

    if settings().accounting_state_field is None:
        return None
    return AccountingStateWriter(
        salesdrive=salesdrive_client(),
        written=WrittenStateStore(deployment().table_name),
        settings=settings(),
    )


def reset() -> None:
    """Forget every cached collaborator (tests, the sandbox after it changes the environment)."""
    global _statuses
    _statuses = None
    for getter in (
        deployment,
        settings,
        deal_queue,
        deal_store,
        status_writes,
        cursors,
        read_budget,
        utp_client,
        salesdrive_client,
        accounting_state_writer,
        utp_reference,
        fingerprint_store,
        catalog_watch_state,
        catalog_change_queue,
        seen_statuses,
        option_names,
    ):
        getter.cache_clear()
    try:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
    except ImportError:  # pragma: no cover - powertools is a runtime dependency
        pass
