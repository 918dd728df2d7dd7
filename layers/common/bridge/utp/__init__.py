"""1C UTP (UT 10.3 family) over the standard OData interface: the production client.

* ``bridge.utp.odata``  — generic 1C OData v3 layer (URLs, literals, filters, paging, retries).
* ``bridge.utp.errors`` — typed errors (``UtpOutcomeUnknownError``, ``UtpBusinessRefusal`` …).
* ``bridge.utp.models`` — pydantic models of what the client reads and the inputs it writes.
* ``bridge.utp.client`` — ``UtpClient``: the operations the rules need, with their HTTP call costs.

Nothing is imported here so that importing the package stays cheap.
"""
