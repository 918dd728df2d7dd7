"""The bridge's DynamoDB table for tests and benchmarks, built from ``template.yaml``'s ``BridgeTable``.

Keys, attribute definitions, billing mode, secondary indexes and TTL are read from the template, so a
test table can never drift from the deployed one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sandbox.runner.template import read_template

TEST_TABLE = "bridge-test"
_CREATE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
)


@cache
def bridge_table_properties() -> dict[str, Any]:
    """``BridgeTable.Properties`` of ``template.yaml`` (read once per process)."""
    properties: dict[str, Any] = read_template()["Resources"]["BridgeTable"]["Properties"]
    return properties


def create_bridge_table(client: Any, name: str = TEST_TABLE) -> str:
    """Create the bridge's table as ``template.yaml`` declares it, on ``client`` (moto's); its name."""
    properties = bridge_table_properties()
    args = {key: properties[key] for key in _CREATE_PROPERTIES if key in properties}
    client.create_table(TableName=name, **args)
    ttl = properties.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    return name
