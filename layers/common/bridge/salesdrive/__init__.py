"""SalesDrive CRM API: the production client and its payload models.

Import from the modules themselves. This package imports nothing, so that the webhook receiver, which
needs only ``bridge.salesdrive.envelope`` and ``bridge.salesdrive.errors``, pays for neither httpx nor
pydantic at cold start.
"""
