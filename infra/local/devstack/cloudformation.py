"""Deploy the real SAM template into moto's CloudFormation.

sam build output -> SAM translator -> CloudFormation JSON -> moto CreateStack. The data plane
(queues, tables, bucket, topic) is created by moto from the template itself, so local
resources are exactly the template's. The compute plane (Lambda functions, layers, event
source mappings, the HTTP API and the functions' roles) is left out of the moto stack: the
devstack runner plays those parts, reading their settings from the same translated template.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devstack.aws import moto_client

# Resource types the runner plays instead of moto (moto would try to run Lambda in Docker).
_RUNNER_TYPES = (
    "AWS::Lambda::",
    "AWS::ApiGatewayV2::",
    "AWS::IAM::Role",
    "AWS::Events::",
    "AWS::Cognito::",  # moto's CloudFormation does not model user pools: created by the API below
)


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function: str


@dataclass(frozen=True)
class SqsMapping:
    function: str
    queue_logical_id: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_concurrency: int


# A daily cron rule, "cron(<minute> <hour> * * ? *)" (UTC), the only cron the runner plays.
_DAILY_CRON = re.compile(r"cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)")


@dataclass(frozen=True)
class ScheduledRule:
    function: str
    expression: str  # "rate(1 minute)", "cron(0 3 * * ? *)"...
    input: str | None = None  # the target's Input (a JSON text): the event it is invoked with instead

    @property
    def period_seconds(self) -> float:
        """The period of a rate() expression, or a day for a daily cron()."""
        if _DAILY_CRON.fullmatch(self.expression.strip()):
            return 86400
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", self.expression.strip())
        if not match:
            raise ValueError(f"the local runner plays rate() and daily cron() schedules only, not {self.expression!r}")
        unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
        return int(match.group(1)) * unit

    def first_delay(self, now: datetime) -> float:
        """Seconds from `now` to the rule's first firing: a rate's period (EventBridge starts
        counting when the rule is made), a daily cron's next minute and hour, UTC."""
        daily = _DAILY_CRON.fullmatch(self.expression.strip())
        if not daily:
            return self.period_seconds
        now = now.astimezone(UTC)
        at = now.replace(hour=int(daily.group(2)), minute=int(daily.group(1)), second=0, microsecond=0)
        if at <= now:
            at += timedelta(days=1)
        return (at - now).total_seconds()


@dataclass
class TranslatedTemplate:
    """The CloudFormation form of template.yaml and what the runner needs from it."""

    body: dict[str, Any]
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: list[HttpRoute] = field(default_factory=list)
    mappings: list[SqsMapping] = field(default_factory=list)
    schedules: list[ScheduledRule] = field(default_factory=list)

    @classmethod
    def from_sam(cls, template: Path, sam_python: Path, parameters: dict[str, str], region: str) -> TranslatedTemplate:
        script = Path(__file__).with_name("sam_translate.py")
        out = subprocess.run(
            [str(sam_python), str(script), str(template), json.dumps(parameters)],
            capture_output=True,
            text=True,
            env={**os.environ, "AWS_DEFAULT_REGION": region},
        )
        if out.returncode != 0:
            raise RuntimeError(f"SAM translation of {template} failed:\n{out.stderr[-3000:]}")
        body: dict[str, Any] = json.loads(out.stdout)
        tpl = cls(body=body)
        tpl._read_compute()
        return tpl

    def _read_compute(self) -> None:
        resources = self.body["Resources"]
        for logical_id, res in resources.items():
            if res["Type"] == "AWS::Lambda::Function":
                self.functions[logical_id] = res["Properties"]
        for res in resources.values():
            if res["Type"] == "AWS::Lambda::EventSourceMapping":
                props = res["Properties"]
                queue = props["EventSourceArn"]["Fn::GetAtt"][0]
                self.mappings.append(
                    SqsMapping(
                        function=self._function_behind(props["FunctionName"]["Ref"]),
                        queue_logical_id=queue,
                        batch_size=int(props.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                        maximum_concurrency=int(props.get("ScalingConfig", {}).get("MaximumConcurrency", 2)),
                    )
                )
            if res["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in res["Properties"]:
                for target in res["Properties"].get("Targets", []):
                    arn = target.get("Arn", {})
                    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
                        self.schedules.append(
                            ScheduledRule(
                                arn["Fn::GetAtt"][0], res["Properties"]["ScheduleExpression"], target.get("Input")
                            )
                        )
            if res["Type"] == "AWS::ApiGatewayV2::Api" and "Body" in res["Properties"]:
                self._read_openapi(res["Properties"]["Body"])

    def _function_behind(self, logical_id: str) -> str:
        """The function an event source names: itself, or the function behind an alias
        (AutoPublishAlias points the mapping at the alias; locally the function plays it)."""
        res = self.body["Resources"][logical_id]
        if res["Type"] == "AWS::Lambda::Alias":
            return str(res["Properties"]["FunctionName"]["Ref"])
        return logical_id

    def _read_openapi(self, body: dict[str, Any]) -> None:
        for path, methods in body.get("paths", {}).items():
            for method, spec in methods.items():
                uri = spec["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                # arn:${AWS::Partition}:apigateway:...:functions/${WebhookFunction.Arn}/invocations
                match = re.search(r"\$\{(\w+)\.Arn\}", uri)
                if not match:
                    raise ValueError(f"cannot find the function of route {method} {path}")
                function = match.group(1)
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                self.routes.append(HttpRoute(verb, path, function))

    def data_plane(self) -> dict[str, Any]:
        """The template without what the runner plays, ready for moto's CreateStack."""
        body: dict[str, Any] = json.loads(json.dumps(self.body))
        dropped = {lid for lid, res in body["Resources"].items() if res["Type"].startswith(_RUNNER_TYPES)}
        body["Resources"] = {k: v for k, v in body["Resources"].items() if k not in dropped}
        body["Outputs"] = {k: v for k, v in body.get("Outputs", {}).items() if not _references(v, dropped)}
        return body


def _references(node: Any, logical_ids: set[str]) -> bool:
    if isinstance(node, dict):
        if node.get("Ref") in logical_ids:
            return True
        att = node.get("Fn::GetAtt")
        if isinstance(att, list) and att and att[0] in logical_ids:
            return True
        sub = node.get("Fn::Sub")
        if isinstance(sub, str) and any("${" + lid for lid in logical_ids if "${" + lid in sub):
            return True
        return any(_references(v, logical_ids) for v in node.values())
    if isinstance(node, list):
        return any(_references(v, logical_ids) for v in node)
    return False


@dataclass
class DeployedStack:
    """Physical ids of the deployed resources, and a resolver for the functions' settings."""

    name: str
    region: str
    parameters: dict[str, str]
    physical: dict[str, str]
    types: dict[str, str]
    arns: dict[str, str]

    def resolve(self, node: Any) -> Any:
        """Resolve Ref / Fn::GetAtt / Fn::Sub the way CloudFormation would for env values."""
        if isinstance(node, str):
            return node
        if isinstance(node, dict):
            if "Ref" in node:
                return self._ref(node["Ref"])
            if "Fn::GetAtt" in node:
                lid, attr = node["Fn::GetAtt"]
                return self._get_att(lid, attr)
            if "Fn::Sub" in node:
                return self._sub(node["Fn::Sub"])
        raise ValueError(f"cannot resolve {node!r} locally")

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": "123456789012",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical[name]

    def _get_att(self, lid: str, attr: str) -> str:
        if attr == "Arn":
            return self.arns[lid]
        if attr == "QueueName":
            return self.physical[lid].rsplit("/", 1)[-1]
        raise ValueError(f"unsupported attribute {lid}.{attr}")

    def _sub(self, template: str | list[Any]) -> str:
        variables: dict[str, Any] = {}
        if isinstance(template, list):
            out, variables = str(template[0]), template[1]
        else:
            out = template
        while "${" in out:
            start = out.index("${")
            end = out.index("}", start)
            key = out[start + 2 : end]
            if key in variables:
                value = self.resolve(variables[key])
            elif "." in key:
                value = self._get_att(*key.split(".", 1))
            else:
                value = self._ref(key)
            out = out[:start] + str(value) + out[end + 1 :]
        return out


def deploy(
    template: TranslatedTemplate,
    *,
    stack_name: str,
    endpoint_url: str,
    region: str,
    parameters: dict[str, str],
    timeout: float = 60.0,
) -> DeployedStack:
    cfn = moto_client("cloudformation", endpoint_url, region)
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template.data_plane()),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + timeout
    while True:
        status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        if status == "CREATE_COMPLETE":
            break
        if status.endswith("FAILED") or "ROLLBACK" in status or time.monotonic() > deadline:
            raise RuntimeError(f"moto stack {stack_name} ended in {status}")
        time.sleep(0.2)
    physical: dict[str, str] = {}
    types: dict[str, str] = {}
    for res in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
        if "PhysicalResourceId" not in res:  # a type moto does not model (alarms, bucket policy)
            continue
        physical[res["LogicalResourceId"]] = res["PhysicalResourceId"]
        types[res["LogicalResourceId"]] = res["ResourceType"]
    account = "123456789012"
    arns: dict[str, str] = {}
    for lid, pid in physical.items():
        kind = types[lid]
        if kind == "AWS::SQS::Queue":
            arns[lid] = f"arn:aws:sqs:{region}:{account}:{pid.rsplit('/', 1)[-1]}"
        elif kind == "AWS::DynamoDB::Table":
            arns[lid] = f"arn:aws:dynamodb:{region}:{account}:table/{pid}"
        elif kind == "AWS::S3::Bucket":
            arns[lid] = f"arn:aws:s3:::{pid}"
        elif kind == "AWS::SNS::Topic":
            arns[lid] = pid
    effective = {
        name: str(spec["Default"]) for name, spec in template.body.get("Parameters", {}).items() if "Default" in spec
    }
    effective.update(parameters)
    deployed = DeployedStack(stack_name, region, effective, physical, types, arns)
    _create_user_pools(template, deployed, endpoint_url)
    return deployed


def _create_user_pools(template: TranslatedTemplate, stack: DeployedStack, endpoint_url: str) -> None:
    """The template's Cognito user pools and app clients, through moto's Cognito API (its
    CloudFormation does not model them), with the template's own settings."""
    idp = moto_client("cognito-idp", endpoint_url, stack.region)
    resources = template.body["Resources"]
    for lid, res in resources.items():
        if res["Type"] == "AWS::Cognito::UserPool":
            props = res["Properties"]
            pool = idp.create_user_pool(
                PoolName=str(stack.resolve(props["UserPoolName"])),
                UsernameAttributes=props.get("UsernameAttributes", []),
                AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", []),
                Policies=props.get("Policies", {}),
                AdminCreateUserConfig=props.get("AdminCreateUserConfig", {}),
            )["UserPool"]
            stack.physical[lid], stack.types[lid], stack.arns[lid] = pool["Id"], res["Type"], pool["Arn"]
    for lid, res in resources.items():
        if res["Type"] == "AWS::Cognito::UserPoolClient":
            props = res["Properties"]
            client = idp.create_user_pool_client(
                UserPoolId=stack.resolve(props["UserPoolId"]),
                ClientName=str(stack.resolve(props["ClientName"])),
                GenerateSecret=bool(props.get("GenerateSecret", False)),
                ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
            )["UserPoolClient"]
            stack.physical[lid], stack.types[lid] = client["ClientId"], res["Type"]
