"""The YML export (`/export/yml/export.yml`): the only product listing SalesDrive offers."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .config import SalesDriveEmulatorConfig
from .money import dec, num, stock_sum
from .state import Doc, State


def yml_feed(state: State, cfg: SalesDriveEmulatorConfig, generated: str) -> str:
    """Shop, currencies, categories (with `parentId`) and one offer per product (total stock only)."""
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
    out.extend(_category(cat) for cat in state.categories.values())
    out.append("</categories><offers>")
    for product in state.products.values():
        out.extend(_offer(product))
    out.append("</offers></shop></yml_catalog>")
    return "\n".join(out)


def _category(cat: Doc) -> str:
    parent = f" parentId={quoteattr(str(cat['parentId']))}" if cat.get("parentId") not in (None, "") else ""
    return f"<category id={quoteattr(str(cat['id']))}{parent}>{escape(str(cat.get('name') or ''))}</category>"


def _offer(p: Doc) -> list[str]:
    qty = stock_sum(p)
    group = f" group_id={quoteattr(str(p['parentProductId']))}" if p.get("parentProductId") else ""
    out = [f'<offer id={quoteattr(str(p["id"]))}{group} available="{"true" if qty > 0 else "false"}">']
    category = p.get("category")
    children = [
        ("name", p.get("name")),
        ("name_ua", p.get("nameTranslate") or p.get("name")),
        ("categoryId", category.get("id") if isinstance(category, dict) else category),
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
    out.extend(f"<{tag}>{escape(str(value))}</{tag}>" for tag, value in children if value not in (None, ""))
    for image in p.get("images") or []:
        if isinstance(image, dict) and image.get("fullsize"):
            out.append(f"<picture>{escape(str(image['fullsize']))}</picture>")
    for param in p.get("params") or []:
        if isinstance(param, dict) and param.get("name"):
            value = escape(str(param.get("value", "")))
            out.append(f"<param name={quoteattr(str(param['name']))}>{value}</param>")
    out.append("</offer>")
    return out
