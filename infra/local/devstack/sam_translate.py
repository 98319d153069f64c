"""Translate a SAM template to plain CloudFormation JSON, offline.

Runs under the SAM CLI's own interpreter (.venv-sam), whose aws-sam-translator pins differ
from the application's; devstack calls it as a subprocess:

    .venv-sam/bin/python sam_translate.py TEMPLATE PARAMS_JSON > translated.json

Local code locations are replaced by placeholder S3 URIs first (the translator only accepts
S3 locations); the local stack never deploys the code itself, it runs the handlers.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from samcli.yamlhelper import yaml_parse  # type: ignore[import-not-found]
from samtranslator.translator.transform import transform  # type: ignore[import-not-found]

_CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


class _OfflinePolicyLoader:
    """Managed policy names are not resolved against IAM: the template uses ARNs or templates."""

    def load(self) -> dict[str, str]:
        return {}


def main() -> None:
    template_path, params_json = sys.argv[1], sys.argv[2]
    with open(template_path, encoding="utf-8") as fh:
        template: dict[str, Any] = yaml_parse(fh.read())
    for logical_id, resource in template.get("Resources", {}).items():
        prop = _CODE_PROPERTIES.get(resource.get("Type", ""))
        if prop:
            resource.setdefault("Properties", {})[prop] = f"s3://local-artifacts/{logical_id}.zip"
    translated = transform(template, json.loads(params_json), _OfflinePolicyLoader())  # type: ignore[arg-type]
    json.dump(translated, sys.stdout)


if __name__ == "__main__":
    main()
