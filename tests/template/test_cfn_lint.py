"""cfn-lint over template.yaml with the serverless rules (cfn-lint-serverless) appended.

`sam validate --lint` (test_sam_cli.py) runs SAM CLI's own cfn-lint, which cannot load extra rules; this
runs the project's pinned cfn-lint in-process, once, with them. Rules the template silences carry their
reason in its Metadata (test_sam_cli.py holds each to one).
"""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint, lint_file
from support.paths import TEMPLATE_PATH

SERVERLESS_RULES = ManualArgs(append_rules=["cfn_lint_serverless.rules"], regions=["us-east-1"])


def test_the_template_passes_cfn_lint_with_the_serverless_rules():
    matches = lint_file(TEMPLATE_PATH, config=SERVERLESS_RULES)
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches] == []


def test_the_serverless_rules_are_in_force():
    # GIVEN a function without tracing WHEN linted as the template is THEN the serverless rule sees it
    template = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler, Runtime: python3.13, CodeUri: src/}\n"
    )
    assert "WS1000" in {m.rule.id for m in lint(template, config=SERVERLESS_RULES)}
