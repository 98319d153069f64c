"""template.yaml as data without the SAM CLI: CloudFormation's short-form tags (!Ref, !Sub...)
read as {"Fn::X": value}, and each function's environment as the template gives it, with
placeholder names for the resources, so tests and the bench never write that environment by
hand (a new setting in the template reaches them all)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"
ACCOUNT = "123456789012"
# What a function's process gets besides the template's variables: AWS never reached, no traces.
_PROCESS_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


class _CfnLoader(yaml.SafeLoader):
    """Loads CloudFormation short-form tags as {"Ref": x} / {"Fn::X": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader + tags
    return data


def function_env(logical_id: str, template: dict[str, Any] | None = None, **overrides: str) -> dict[str, str]:
    """The environment `logical_id` runs with: Globals, then its own variables, parameters at
    their defaults, resources as placeholder names; plus fake AWS credentials; then `overrides`."""
    tpl = template or load_template()
    variables = {
        **tpl.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}),
        **tpl["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {}),
    }
    env = {name: _resolve(value, tpl) for name, value in variables.items()}
    return {**_PROCESS_ENV, **env, **overrides}


def _resolve(value: Any, tpl: dict[str, Any]) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return _ref(str(value["Ref"]), tpl)
    if isinstance(value, dict) and "Fn::Sub" in value:
        return re.sub(r"\$\{([^}!]+)\}", lambda m: _ref(m.group(1), tpl), str(value["Fn::Sub"]))
    if isinstance(value, dict):
        raise ValueError(f"cannot resolve {value} outside CloudFormation")
    return str(value)


_PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}


def _ref(name: str, tpl: dict[str, Any]) -> str:
    if name in _PSEUDO:  # CloudFormation's pseudo parameters, as in the stage's region
        return _PSEUDO[name]
    if name in tpl.get("Parameters", {}):
        return str(tpl["Parameters"][name].get("Default", ""))
    kind = tpl["Resources"][name]["Type"]
    if kind == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/receptionist-dev-{name}.fifo"
    if kind == "AWS::S3::Bucket":
        return f"receptionist-dev-{name.lower()}"
    return f"receptionist-dev-{name}"  # a table's name and the like
