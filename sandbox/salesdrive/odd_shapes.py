"""Webhook bodies in the other shapes integrators have seen from SalesDrive (reference: "phones as a
string or an array", "numbers as strings", options sometimes as ``{id, name}`` objects, ``meta`` absent
or empty). The emulator's usual shape is one of them; with ``webhook_odd_shape_rate`` > 0 a share of the
webhooks goes out in one of ``webhook_odd_shapes`` instead, so a receiver is tested against each.

- ``meta_empty``: ``"meta": {}`` (no dictionaries: the receiver must not need them);
- ``options_as_objects``: the select options of the order (``statusId``, ``payment_method``,
  ``shipping_method``, ``sajt``, ``userId``) as ``{"id": n, "name": text}`` instead of a bare number.
"""

from __future__ import annotations

import copy
import random
from typing import Any

ODD_SHAPES = ("meta_empty", "options_as_objects")
_OPTIONS = ("statusId", "payment_method", "shipping_method", "sajt", "userId")


def oddly_shaped(body: dict[str, Any], shape: str) -> dict[str, Any]:
    """A copy of a webhook body in ``shape``."""
    out = copy.deepcopy(body)
    if shape == "meta_empty":
        out["meta"] = {}
    elif shape == "options_as_objects":
        fields = ((body.get("meta") or {}).get("fields")) or {}
        data = out.get("data") or {}
        for name in _OPTIONS:
            value = data.get(name)
            if value in (None, "") or isinstance(value, dict):
                continue
            options = (fields.get(name) or {}).get("options") or []
            text = next((o.get("text") for o in options if str(o.get("value")) == str(value)), None)
            data[name] = {"id": value, "name": text or str(value)}
    else:
        raise ValueError(f"unknown webhook shape {shape!r}; known: {ODD_SHAPES}")
    return out


def maybe_odd(body: dict[str, Any], shapes: list[str], rate: float, rng: random.Random) -> dict[str, Any]:
    if rate <= 0 or not shapes or rng.random() >= rate:
        return body
    return oddly_shaped(body, rng.choice(shapes))
