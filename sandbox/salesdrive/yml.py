"""The YML export (`/export/yml/export.yml`): the only product listing SalesDrive offers."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from .config import SalesDriveEmulatorConfig
from .money import dec, num
from .state import State


def yml_feed(state: State, cfg: SalesDriveEmulatorConfig, generated: str) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<yml_catalog date={quoteattr(generated[:16])}>",
        "<shop>",
    ]
    out.append(f"<name>{escape(cfg.account)}</name><company>{escape(cfg.account)}</company>")
    out.append(f"<url>https://{escape(cfg.account)}.salesdrive.me</url>")
    currencies = sorted({p.get("currency") or "UAH" for p in state.products.values()} | {"UAH"})
    out.append("<currencies>")
    out.extend(f'<currency id="{escape(c)}" rate="{1 if c == "UAH" else "CB"}"/>' for c in currencies)
    out.append("</currencies><categories>")
    for cat in state.categories.values():
        parent = (
            f" parentId={quoteattr(str(cat['parentId']))}" if cat.get("parentId") not in (None, "") else ""
        )
        out.append(
            f"<category id={quoteattr(str(cat['id']))}{parent}>{escape(str(cat.get('name') or ''))}"
            "</category>"
        )
    out.append("</categories><offers>")
    for p in state.products.values():
        qty = sum((dec(v) for v in (p.get("stockBalanceByStock") or {}).values()), Decimal(0))
        group = f" group_id={quoteattr(str(p['parentProductId']))}" if p.get("parentProductId") else ""
        out.append(
            f'<offer id={quoteattr(str(p["id"]))}{group} available="{"true" if qty > 0 else "false"}">'
        )
        children = [
            ("name", p.get("name")),
            ("name_ua", p.get("nameTranslate") or p.get("name")),
            (
                "categoryId",
                (p.get("category") or {}).get("id")
                if isinstance(p.get("category"), dict)
                else p.get("category"),
            ),
            ("price", num(dec(p.get("costPerItem")))),
            ("currencyId", p.get("currency") or "UAH"),
            ("quantity_in_stock", num(qty)),
            ("vendor", p.get("manufacturer")),
            ("vendorCode", p.get("sku")),
            ("article", p.get("sku")),
            ("barcode", p.get("barcode")),
            ("uktzed", p.get("uktzed")),
            ("vendorprice", num(dec(p.get("expenses"))) if p.get("expenses") not in (None, "") else None),
            ("description", p.get("description")),
            ("url", p.get("url")),
            ("keywords", p.get("keywords")),
            ("note", p.get("note")),
        ]
        for tag, value in children:
            if value not in (None, ""):
                out.append(f"<{tag}>{escape(str(value))}</{tag}>")
        for image in p.get("images") or []:
            if isinstance(image, dict) and image.get("fullsize"):
                out.append(f"<picture>{escape(str(image['fullsize']))}</picture>")
        for param in p.get("params") or []:
            if isinstance(param, dict) and param.get("name"):
                out.append(
                    f"<param name={quoteattr(str(param['name']))}>{escape(str(param.get('value', '')))}"
                    "</param>"
                )
        out.append("</offer>")
    out.append("</offers></shop></yml_catalog>")
    return "\n".join(out)
