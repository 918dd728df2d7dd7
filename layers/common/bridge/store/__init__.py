"""Where the bridge keeps what it remembers, and its queues.

``table`` is the one DynamoDB table every DynamoDB store goes through (deals, cursors, leases, own-writes
records, the read budget's item); ``bucket`` holds the S3 blobs (catalog fingerprints, the watcher's
state, the statuses seen); ``deal_queue`` and ``catalog_changes`` are the SQS queues.
"""
