"""1C UTP (UT 10.3 family) over the standard OData interface: the production client.

``odata`` (transport, with ``odata_query`` / ``odata_answers``), ``errors``, ``models``, ``names`` (every
1C object the bridge uses), ``client`` (``UtpClient``, one mixin per aggregate over ``base``) and
``changes`` (the catalog watcher's reads). Nothing is imported here so importing the package stays cheap.
"""
