"""1C UTP (UT 10.3 family) over the standard OData interface: the production client."""
