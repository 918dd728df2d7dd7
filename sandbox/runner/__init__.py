"""The local runner: the product's Lambda handlers on loopback, invoked as AWS would (see README.md)."""
