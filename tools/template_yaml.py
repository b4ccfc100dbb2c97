"""Read template.yaml with CloudFormation's short-form tags (!Ref, !Sub, !If, ...) as their long forms."""

from __future__ import annotations

from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    # !Ref X -> {"Ref": X}; !Condition C -> {"Condition": C}; !GetAtt A.B -> {"Fn::GetAtt": [A, B]};
    # !Sub/!If/... -> {"Fn::Sub": ...}
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):  # the two short forms without an Fn:: prefix
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


def parse_template(text: str) -> dict[str, Any]:
    """A CloudFormation/SAM template's YAML as a dict, short-form tags as their long forms."""
    return yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader that only maps the tags to dicts
