"""SalesDrive CRM API: the production client and its payload models."""
