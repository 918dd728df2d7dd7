"""The operator's command-line tool for the SalesDrive ↔ UTP bridge (``python -m bridge_ops --help``).

Not deployed: it runs on an operator's machine against the sandbox (``.sandbox/endpoints.json``) or a
deployed CloudFormation stack, and drives the product through the shared package ``bridge``.
"""
