"""1C UTP (UT 10.3 family) over the standard OData interface: the production client.

* ``bridge.utp.odata``  — generic 1C OData v3 transport (requests, paging, retries); queries are built by
  ``bridge.utp.odata_query`` (literals, filters, URLs) and answers read by ``bridge.utp.odata_answers``.
* ``bridge.utp.errors`` — typed errors (``UtpOutcomeUnknownError``, ``UtpBusinessRefusal`` …).
* ``bridge.utp.models`` — pydantic models of what the client reads and the inputs it writes.
* ``bridge.utp.names``  — the 1C objects the bridge uses (entity-set names, the fields it needs).
* ``bridge.utp.client`` — ``UtpClient``: the operations the rules need, with their HTTP call costs; built
  from one mixin per aggregate over ``bridge.utp.base``: ``reference`` (organisation, currency,
  warehouses, …), ``catalog`` (products, units, prices, balances), ``counterparties``, ``sales_orders``,
  ``sales_documents`` (invoices, returns, closures, cash receipts), ``properties`` (additional properties).
* ``bridge.utp.changes`` — the catalog watcher's reads (documents' ``DataVersion`` and products).

Nothing is imported here so that importing the package stays cheap.
"""
