"""Products → SalesDrive (SKU, name, folder as category), when "Transfer products to CRM" is on
(capability 4 in docs/mission.md).

Reads ``Catalog_Номенклатура`` paged by ``Ref_Key`` (folders come in the same pages: their names become
SalesDrive categories) and the "SalesDrive ID" property of every product (paged as well). The SalesDrive
product id is the UTP SKU, unless the product already carries a SalesDrive ID (set by SKU matching or by
hand): then that id, so a product that existed in SalesDrive before the bridge keeps its id and its order
history. A product's unit is read (its key travels to the ID map) but not pushed: SalesDrive products
have no unit field.
"""

from __future__ import annotations

from collections.abc import Mapping

from bridge.salesdrive.products import Category, ProductUpdate
from bridge.sync.catalog_diff import CatalogSnapshot, ProductData
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpNotFoundError
from bridge.utp.models import Product
from bridge.utp.names import PRODUCTS as PRODUCT_ENTITY


def _product_data(item: Product) -> ProductData:
    return ProductData(
        ref=item.ref,
        sku=item.sku,
        name=item.description,
        folder_ref=item.parent_key,
        unit_ref=item.unit_key,
        deletion_mark=item.deletion_mark,
        service=item.is_service,
    )


def read_products(
    utp: UtpClient, *, id_property: str, page_size: int = 1000
) -> tuple[list[ProductData], dict[str, str], dict[str, str], int]:
    """Products, folder names, SalesDrive IDs and the UTP calls it took (⌈N/page⌉ + ⌈linked/page⌉ + 1)."""
    products: list[ProductData] = []
    folders: dict[str, str] = {}
    seen: set[str] = set()
    rows = 0
    for item in utp.iter_products(page_size, include_folders=True):
        rows += 1
        if item.ref in seen:  # paging by $skip while staff add products shifts rows: one comes twice
            continue
        seen.add(item.ref)
        if item.is_folder:
            folders[item.ref] = item.description
            continue
        products.append(_product_data(item))
    calls = rows // page_size + 1
    try:
        values = utp.property_values(id_property, PRODUCT_ENTITY, page_size=page_size)
    except UtpNotFoundError:
        values = {}
    calls += len(values) // page_size + 1
    ids = {ref: str(value).strip() for ref, value in values.items() if str(value).strip()}
    return products, folders, ids, calls


def read_products_of(
    utp: UtpClient, product_keys: list[str], *, id_property: str
) -> tuple[list[ProductData], dict[str, str], dict[str, str], int]:
    """The same as ``read_products`` for a few products (a targeted push), plus every product sharing
    their SKUs, so a duplicated SKU is seen and skipped exactly as the full push does.
    [⌈n/chunk⌉ products + 1 by SKU + 1 folders + 1 SalesDrive IDs, for up to 40 products]"""
    found = {p.ref: p for p in utp.products_by_key(product_keys).values() if not p.is_folder}
    calls = -(-len(product_keys) // utp.chunk_size)
    skus = {p.sku for p in found.values() if p.sku.strip()}
    if skus:
        calls += 1
        for same_sku in utp.products_by_sku_all(skus).values():
            found.update((p.ref, p) for p in same_sku)
    folder_keys = {p.parent_key for p in found.values() if p.parent_key}
    folders: dict[str, str] = {}
    if folder_keys:
        calls += 1
        folders = {f.ref: f.description for f in utp.products_by_key(folder_keys).values() if f.is_folder}
    products = [_product_data(item) for item in found.values()]
    try:
        values = utp.property_values_of(id_property, PRODUCT_ENTITY, list(found))
        calls += 1
    except UtpNotFoundError:
        values = {}
    ids = {ref: str(value).strip() for ref, value in values.items() if str(value).strip()}
    return products, folders, ids, calls


def category_id(folder_ref: str) -> str:
    """The SalesDrive category id of a UTP folder: its Ref_Key (stable, unlike names and codes)."""
    return folder_ref


def categories(folders: Mapping[str, str]) -> list[Category]:
    return [Category(id=category_id(ref), name=name or ref) for ref, name in sorted(folders.items())]


def full_update(
    snapshot: CatalogSnapshot, i: int, sd_id: str, *, with_price: bool, with_stock: bool, currency: str
) -> ProductUpdate:
    """Product data with the current price and free stock (only the aspects that are switched on)."""
    from bridge.sync.prices import price_of

    product = snapshot.products[i]
    folder = product.folder_ref if product.folder_ref in snapshot.folders else None
    return ProductUpdate(
        id=sd_id,
        name=product.name,
        sku=product.sku or None,
        price=price_of(snapshot, i) if with_price else None,
        currency=currency if with_price else None,
        stock_by_warehouse=snapshot.stock_row(i) if with_stock and snapshot.stock_ids else None,
        category_id=category_id(folder) if folder else None,
        category_name=snapshot.folders[folder] if folder else None,
    )
