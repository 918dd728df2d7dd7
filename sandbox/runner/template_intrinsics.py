"""CloudFormation's intrinsic functions (``!Ref``, ``!GetAtt``, ``!Sub``, ``!If``, conditions) resolved
to the values they have on the local stack: a queue's ``!Ref`` is its URL on the local moto, a table's
its name."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.runner.template import LocalTemplate

NO_VALUE = object()  # AWS::NoValue: the property is removed


class TemplateError(ValueError):
    """The template uses something the local runner cannot reproduce; the message says what."""


class Resolver:
    """Resolves intrinsic functions to the values they have on the local stack."""

    def __init__(self, doc: dict[str, Any], model: LocalTemplate, endpoint_url: str) -> None:
        self.doc = doc
        self.model = model
        self.endpoint = endpoint_url.rstrip("/")
        self.resources: dict[str, Any] = doc.get("Resources", {})
        self._names: dict[str, str] = {}
        self._conditions: dict[str, bool] = {}

    # -- pseudo parameters and resource attributes --------------------------------------------------
    def pseudo(self, name: str) -> str | None:
        m = self.model
        return {
            "AWS::Region": m.region,
            "AWS::AccountId": m.account,
            "AWS::StackName": m.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{m.region}:{m.account}:stack/{m.stack_name}/sandbox",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)

    def physical_name(self, logical_id: str) -> str:
        """Its declared name, else a stable local one (CloudFormation would add a random tail)."""
        if logical_id in self._names:
            return self._names[logical_id]
        resource = self.resources[logical_id]
        kind = resource.get("Type", "")
        props = resource.get("Properties") or {}
        key = {
            "AWS::SQS::Queue": "QueueName",
            "AWS::DynamoDB::Table": "TableName",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::SSM::Parameter": "Name",
            "AWS::S3::Bucket": "BucketName",
            "AWS::Serverless::LayerVersion": "LayerName",
        }.get(kind)
        declared = props.get(key) if key else None
        if declared is not None:
            name = str(self.value(declared))
        else:
            name = f"{self.model.stack_name}-{logical_id}"
            if kind == "AWS::SQS::Queue" and props.get("FifoQueue") in (True, "true"):
                name = f"{name[:75]}.fifo"
        self._names[logical_id] = name
        return name

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.model.parameters:
            return self.model.parameters[name]
        if name not in self.resources:
            raise TemplateError(f"!Ref {name}: no such parameter or resource")
        kind = self.resources[name].get("Type", "")
        if kind == "AWS::SQS::Queue":
            return f"{self.endpoint}/{self.model.account}/{self.physical_name(name)}"
        if kind == "AWS::Serverless::LayerVersion":
            return (
                f"arn:aws:lambda:{self.model.region}:{self.model.account}:layer:{self.physical_name(name)}:1"
            )
        if (
            kind == "AWS::SSM::Parameter"
            and (self.resources[name].get("Properties") or {}).get("Name") is None
        ):
            return f"CFN-{name}"
        return self.physical_name(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.resources:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute}: no such resource")
        kind = self.resources[logical_id].get("Type", "")
        name = self.physical_name(logical_id)
        region, account = self.model.region, self.model.account
        table = {
            ("AWS::SQS::Queue", "Arn"): f"arn:aws:sqs:{region}:{account}:{name}",
            ("AWS::SQS::Queue", "QueueName"): name,
            ("AWS::SQS::Queue", "QueueUrl"): f"{self.endpoint}/{account}/{name}",
            ("AWS::DynamoDB::Table", "Arn"): f"arn:aws:dynamodb:{region}:{account}:table/{name}",
            (
                "AWS::DynamoDB::Table",
                "StreamArn",
            ): f"arn:aws:dynamodb:{region}:{account}:table/{name}/stream/sandbox",
            ("AWS::Serverless::Function", "Arn"): f"arn:aws:lambda:{region}:{account}:function:{name}",
            ("AWS::S3::Bucket", "Arn"): f"arn:aws:s3:::{name}",
        }
        if (kind, attribute) in table:
            return table[(kind, attribute)]
        if kind == "AWS::SSM::Parameter" and attribute in ("Value", "Type"):
            props = self.resources[logical_id].get("Properties") or {}
            return self.value(props.get(attribute, ""))
        raise TemplateError(f"!GetAtt {logical_id}.{attribute}: not available locally ({kind})")

    # -- conditions ----------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.doc.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"condition {name} is not defined")
            self._conditions[name] = bool(self.value(conditions[name]))
        return self._conditions[name]

    # -- values --------------------------------------------------------------------------------------
    def value(self, node: Any) -> Any:  # one branch per intrinsic function
        if isinstance(node, list):
            return [v for v in (self.value(n) for n in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else [self.value(a) for a in arg]
                return self.get_att(str(parts[0]), str(parts[1]))
            if key == "Fn::Sub":
                return self.sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(v) for v in self.value(items))
            if key == "Fn::Select":
                index, items = arg
                return self.value(items)[int(self.value(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.value(text)).split(sep)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.value(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.value(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(x) for x in arg)
            if key == "Fn::Or":
                return any(self.value(x) for x in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::FindInMap":
                mapping, top, second = (self.value(x) for x in arg[:3])
                return self.doc["Mappings"][mapping][str(top)][str(second)]
            if key == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.value(arg)).encode()).decode()
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not supported by the local runner")
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not NO_VALUE}

    def sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {k: self.value(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def as_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # CloudFormation's rendering of booleans
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
