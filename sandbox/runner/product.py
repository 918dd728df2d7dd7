"""The bridge's sandbox: the product's template, wired to the UTP and SalesDrive emulators.

This is the only module of the runner that knows the product's conventions (template parameter names,
the secrets under ``SecretsPrefix``, the webhook route); the rest of the runner is generic. It talks to
the product only through its template, its environment and its SSM parameters, never by import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.runner.stack import Emulator, SandboxStack
from sandbox.runner.template import read_template

ROOT = Path(__file__).resolve().parents[2]

# Names as seeded by the UTP emulator (sandbox/utp/seed.py); the settings JSON the bridge validates.
DEFAULT_SETTINGS: dict[str, Any] = {
    "organisation": 'ТОВ "Запчастини Плюс"',
    "price_type": "Роздрібна",
    "default_warehouse": "Основний склад",
    "cash_desk": "Основна каса",
    "closure_reason": "Відмова покупця",
    "responsible_user": "Інтеграція SalesDrive",
    # SalesDrive stocks 1–3 of the seeded account ↔ the UTP emulator's first three warehouses.
    "warehouses": {"1": "Основний склад", "2": "Магазин на Подолі", "3": "Склад Львів"},
    "stock_ids": {"Основний склад": 1, "Магазин на Подолі": 2, "Склад Львів": 3},
    # The emulator takes writes as fast as they come: the demo's first SKU matching writes the SalesDrive
    # ID on ≈ 2,000 cards in seconds rather than the production pace's minutes.
    "product_id_writes_per_minute": 6000,
    # Managers see each order's accounting state in the seeded custom field of SalesDrive orders.
    "accounting_state_field": "stanVObliku",
}


@dataclass
class BridgeSandboxConfig:
    template: Path = ROOT / "template.yaml"
    state_dir: Path | None = ROOT / ".sandbox"
    webhook_token: str = "sandbox-webhook-token"
    catalog_trigger_token: str = "sandbox-catalog-token"
    webhook_path: str = "/webhook/{token}"  # must be a route of the template (checked at start)
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    # Emulators: served by the stack unless a URL of a running one is given.
    utp_url: str | None = None  # root URL (http://host:port), the OData path is appended
    utp_config: Any = None  # a sandbox.utp.app.UtpEmulatorConfig
    salesdrive_url: str | None = None
    salesdrive_config: Any = None  # a sandbox.salesdrive.config.SalesDriveEmulatorConfig
    salesdrive_account: str | None = None  # default: the emulator's account
    salesdrive_api_key: str | None = None  # default: the emulator's key
    utp_user: str | None = None
    utp_password: str | None = None
    subscribe_webhooks: bool = True  # point the SalesDrive emulator's webhooks at the local gateway
    # Point the UTP emulator's on-save subscription at the catalog trigger, as the 1C event subscription of
    # the README does in a base whose administrator added it. Off by default: the shop's base has no
    # configuration change, and the catalog change watcher (CatalogWatchFunction) finds the changes.
    utp_on_save: bool = False
    # A retry after a failure waits for the queue's visibility timeout (180 s in the template): a demo
    # can shorten it. None keeps the template's value.
    deal_visibility_timeout_s: int | None = None
    schedule_speedup: float = 1.0
    gateway_port: int = 0
    aws_port: int = 0
    extra_stack_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Wiring:
    """What the stack's parameters, secrets and endpoints are made of; the URLs are known once it runs."""

    cfg: BridgeSandboxConfig
    declared: dict[str, Any]
    account: str
    api_key: str
    utp_user: str
    utp_password: str
    base_name: str
    yml_key: str

    def utp_odata_url(self, stack: SandboxStack) -> str:
        return f"{stack.urls['utp']}/{self.base_name}/odata/standard.odata"

    def parameters(self, stack: SandboxStack) -> dict[str, str]:
        wanted = {
            "SalesDriveAccount": self.account,
            "UtpODataUrl": self.utp_odata_url(stack),
            "Stage": "sandbox",
        }
        return {k: v for k, v in wanted.items() if k in self.declared}

    def secrets(self, stack: SandboxStack) -> dict[str, str]:
        default = (self.declared.get("SecretsPrefix") or {}).get("Default", "/salesdrive-utp-bridge")
        prefix = str(default).rstrip("/")
        settings = {"salesdrive_account": self.account, **self.cfg.settings}
        return {
            f"{prefix}/salesdrive-api-key": self.api_key,
            f"{prefix}/utp-user": self.utp_user,
            f"{prefix}/utp-password": self.utp_password,
            f"{prefix}/webhook-token": self.cfg.webhook_token,
            f"{prefix}/catalog-trigger-token": self.cfg.catalog_trigger_token,
            f"{prefix}/salesdrive-yml-key": self.yml_key,
            f"{prefix}/settings": json.dumps(settings, ensure_ascii=False),
        }

    def webhook_url(self, stack: SandboxStack) -> str:
        path = self.cfg.webhook_path.format(token=self.cfg.webhook_token)
        if stack.gateway is not None and stack.gateway.match("POST", path) is None:
            raise RuntimeError(f"the template has no POST route for the webhook path {path}")
        return stack.url(path)

    def endpoints(self, stack: SandboxStack) -> dict[str, str]:
        return {
            "webhook_url": self.webhook_url(stack),
            "salesdrive_url": stack.urls["salesdrive"],
            "salesdrive_api_key": self.api_key,
            "salesdrive_account": self.account,
            "utp_odata_url": self.utp_odata_url(stack),
            "utp_user": self.utp_user,
            "utp_password": self.utp_password,
        }


def _wiring(cfg: BridgeSandboxConfig, utp: Emulator, sd_app: Any) -> _Wiring:
    """Credentials and names: the config's, else the emulators', else the sandbox defaults."""
    sd_config = getattr(sd_app, "config", None) if sd_app is not None else cfg.salesdrive_config
    utp_config = cfg.utp_config
    if utp.app is not None:
        utp_config = getattr(utp.app, "config", utp_config)
    return _Wiring(
        cfg=cfg,
        declared=read_template(cfg.template).get("Parameters") or {},
        account=cfg.salesdrive_account or getattr(sd_config, "account", None) or "sparesshop",
        api_key=cfg.salesdrive_api_key or getattr(sd_config, "api_key", None) or "sandbox-api-key",
        utp_user=cfg.utp_user or getattr(utp_config, "user", None) or "bridge",
        utp_password=cfg.utp_password or getattr(utp_config, "password", None) or "bridge",
        base_name=getattr(utp_config, "base_name", None) or "utp",
        yml_key=getattr(sd_config, "yml_public_key", None) or "sandbox-yml-key",
    )


def build_stack(config: BridgeSandboxConfig | None = None) -> SandboxStack:
    """A not yet started ``SandboxStack`` of the bridge with both emulators."""
    cfg = config or BridgeSandboxConfig()
    utp = _utp_emulator(cfg)
    salesdrive, sd_app = _salesdrive_emulator(cfg)
    wiring = _wiring(cfg, utp, sd_app)
    overrides = {}
    if cfg.deal_visibility_timeout_s is not None:
        overrides["DealQueue"] = {"VisibilityTimeout": str(cfg.deal_visibility_timeout_s)}

    stack = SandboxStack(
        cfg.template,
        parameter_overrides=wiring.parameters,
        secure_parameters=wiring.secrets,
        # The template has no SalesDrive URL (in AWS the account's own host is used).
        environment=lambda s: {"SALESDRIVE_URL": s.urls["salesdrive"]},
        emulators={"utp": utp, "salesdrive": salesdrive},
        endpoints=wiring.endpoints,
        state_dir=cfg.state_dir,
        queue_attribute_overrides=overrides,
        gateway_port=cfg.gateway_port,
        aws_port=cfg.aws_port,
        schedule_speedup=cfg.schedule_speedup,
        **cfg.extra_stack_options,
    )
    utp_app = utp.app
    if utp_app is not None and cfg.utp_on_save and hasattr(utp_app, "configure"):
        trigger = f"/catalog-trigger/{cfg.catalog_trigger_token}"
        utp.on_start = lambda url: utp_app.configure(on_save_url=stack.url(trigger))
    if sd_app is not None and cfg.subscribe_webhooks:
        # Called once the gateway serves, so the subscription names a URL that answers.
        salesdrive.on_start = lambda url: _start_salesdrive(sd_app, wiring.webhook_url(stack))
    return stack


def _utp_emulator(cfg: BridgeSandboxConfig) -> Emulator:
    if cfg.utp_url:
        return Emulator(url=cfg.utp_url)
    from sandbox.utp.app import UtpEmulatorConfig, create_app

    app = create_app(cfg.utp_config or UtpEmulatorConfig())
    return Emulator(app=app)


def _salesdrive_emulator(cfg: BridgeSandboxConfig) -> tuple[Emulator, Any]:
    if cfg.salesdrive_url:
        return Emulator(url=cfg.salesdrive_url), None
    from sandbox.salesdrive.app import create_app
    from sandbox.salesdrive.config import SalesDriveEmulatorConfig

    app = create_app(cfg.salesdrive_config or SalesDriveEmulatorConfig())
    return (
        Emulator(
            app=app,
            on_stop=app.stop_background_delivery,
            # Webhooks waiting to go out are work in progress too.
            is_idle=lambda: not app.webhooks.pending,
        ),
        app,
    )


def _start_salesdrive(app: Any, webhook_url: str) -> None:
    if not any(s["url"] == webhook_url for s in app.subscriptions):
        app.subscribe(webhook_url)
    app.start_background_delivery()
