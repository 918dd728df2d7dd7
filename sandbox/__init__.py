"""Emulators of SalesDrive and of UTP's OData, and the local runner.

Never deployed; never imports `bridge`.
"""
