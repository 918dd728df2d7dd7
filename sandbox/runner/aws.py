"""Local AWS: moto in server mode on loopback, with the template's tables, queues and parameters.

moto keeps its state in process-wide backends, so one local AWS per process at a time; ``stop()``
resets the backends so the next one starts empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sandbox.runner.template import DEFAULT_REGION, LocalTemplate

# Credentials moto accepts; nothing here can reach a real account (the endpoint is loopback).
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}


class LocalAws:
    """moto on 127.0.0.1 (an ephemeral port by default)."""

    def __init__(self, *, port: int = 0, region: str = DEFAULT_REGION) -> None:
        self.region = region
        self._port = port
        self._server: Any = None
        self.endpoint_url = ""

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self._port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def environment(self) -> dict[str, str]:
        """What a handler needs in its environment to reach this AWS instead of the real one."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            **LOCAL_CREDENTIALS,
        }

    def create_resources(
        self,
        model: LocalTemplate,
        *,
        queue_attribute_overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Tables (with TTL), queues (redrive set once every queue exists), S3 buckets, SSM parameters."""
        dynamodb = self.client("dynamodb")
        for table in model.tables.values():
            dynamodb.create_table(**table.create_args)
            if table.ttl_attribute:
                dynamodb.update_time_to_live(
                    TableName=table.name,
                    TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
                )
        sqs = self.client("sqs")
        overrides = queue_attribute_overrides or {}
        redrives: dict[str, str] = {}
        for queue in model.queues.values():
            attributes = {**queue.attributes, **overrides.get(queue.logical_id, {})}
            if "VisibilityTimeout" in attributes:
                queue.visibility_timeout_s = int(attributes["VisibilityTimeout"])
            redrive = attributes.pop("RedrivePolicy", None)
            if redrive:
                redrives[queue.logical_id] = redrive
            url = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]
            if url != queue.url:  # the template resolved !Ref to this URL: they must agree
                raise RuntimeError(f"moto gave {queue.name} the URL {url}, expected {queue.url}")
        for logical_id, redrive in redrives.items():
            # moto checks that the dead-letter queue exists, hence the second pass.
            sqs.set_queue_attributes(
                QueueUrl=model.queues[logical_id].url, Attributes={"RedrivePolicy": redrive}
            )
        if model.buckets:
            s3 = self.client("s3")
            for bucket in model.buckets.values():
                s3.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": model.region}
                )
        ssm = self.client("ssm")
        for parameter in model.ssm_parameters.values():
            ssm.put_parameter(Name=parameter.name, Type=parameter.type, Value=parameter.value, Overwrite=True)

    def put_secure_parameters(self, values: Mapping[str, str]) -> None:
        """SecureString parameters (secrets, settings JSON), by full name."""
        ssm = self.client("ssm")
        for name, value in values.items():
            ssm.put_parameter(Name=name, Type="SecureString", Value=value, Overwrite=True)

    def queue_depth(self, queue_url: str) -> int:
        """Messages visible, in flight or delayed: zero means nothing left to process."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        server = getattr(self._server, "_server", None)
        if server is not None:
            server.server_close()  # ThreadedMotoServer.stop() leaves the socket open
        self._server = None
        _reset_moto()


def _reset_moto() -> None:
    # What mock_aws() does when it ends: every backend forgets its state.
    from moto.moto_api._internal import moto_api_backend

    moto_api_backend.reset()


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
