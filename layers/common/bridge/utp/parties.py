"""Kept for callers of the former module: a counterparty's roles now live in ``bridge.utp.counterparties``."""

from bridge.utp.counterparties import counterparty_roles, mark_as_buyer

__all__ = ["counterparty_roles", "mark_as_buyer"]
