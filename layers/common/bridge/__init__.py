"""SalesDrive ↔ UTP bridge: the one shared package of every Lambda function.

Dependencies point one way: ``functions → sync (the rules) → salesdrive / utp / store``.
The rules never see httpx or boto3; the clients never see the rules.
"""
