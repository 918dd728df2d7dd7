"""DynamoDB-backed stores: ID maps, cursors, the own-writes ledger and the shared read budget."""
