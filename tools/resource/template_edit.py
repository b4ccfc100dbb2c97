"""Add a resource's function, companions and API paths to template.yaml, leaving every other byte alone.

ruamel.yaml (round-trip) reads the template: where each resource and path starts, what the health
function and its companions (log group, and whatever else the template gives every function) look like,
how the API protects a method. The new entries are written by ruamel.yaml too, then inserted as whole
blocks after the last function and after the last path. Re-dumping the whole document instead would
rewrite comments and flow mappings elsewhere (ruamel.yaml drops end-of-line comments inside tagged
sequences, and joins multi-line flow mappings), so it is never done. The result is parsed again and must
equal the original document plus exactly the new entries, or nothing is written.
"""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from tools.resource.names import Refused, ResourceNames

FUNCTION = "AWS::Serverless::Function"
DASHBOARD = "AWS::CloudWatch::Dashboard"
MODEL_CODE_URI = "functions/health/"  # the one function every project keeps: new functions copy its shape


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line (a !Sub ARN) that the template keeps on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def plain(node: Any) -> Any:
    """A ruamel.yaml node as plain data, tags kept as {"!Tag": value}: what equality of two parses means."""
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar):
        return {node.tag.value: node.value}
    if isinstance(node, dict):
        value: Any = {str(k): plain(v) for k, v in node.items()}
    elif isinstance(node, list):
        value = [plain(v) for v in node]
    else:
        return node if not isinstance(node, str) else str(node)
    return {tag: value} if tag and tag.startswith("!") else value


class Template:
    """template.yaml as text and as ruamel.yaml's document; `with_resource` returns the edited text."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.doc = _yaml().load(text)
        except YAMLError as error:
            raise Refused(f"template.yaml cannot be edited safely: it does not parse ({error})") from error
        if not isinstance(self.doc, CommentedMap) or not isinstance(self.doc.get("Resources"), CommentedMap):
            raise Refused("template.yaml cannot be edited safely: no block mapping of Resources")
        self.resources: CommentedMap = self.doc["Resources"]

    # -- what the template holds ----------------------------------------------------------------------
    def functions(self) -> list[str]:
        return [
            name for name, r in self.resources.items() if isinstance(r, dict) and r.get("Type") == FUNCTION
        ]

    def _one(self, type_: str, what: str, where: Any = None) -> str:
        found = [n for n, r in self.resources.items() if isinstance(r, dict) and r.get("Type") == type_]
        found = [n for n in found if where is None or where(self.resources[n])]
        if len(found) != 1:
            raise Refused(f"template.yaml cannot be edited safely: expected one {what}, found {len(found)}")
        return found[0]

    def api_paths(self) -> CommentedMap:
        api = self._one(
            "AWS::Serverless::Api",
            "AWS::Serverless::Api with a DefinitionBody",
            lambda r: isinstance(r.get("Properties", {}).get("DefinitionBody"), dict),
        )
        paths = self.resources[api]["Properties"]["DefinitionBody"].get("paths")
        if not isinstance(paths, CommentedMap) or not paths:
            raise Refused("template.yaml cannot be edited safely: the API's DefinitionBody has no paths")
        return paths

    def api_id(self) -> str:
        return self._one("AWS::Serverless::Api", "AWS::Serverless::Api")

    def table_id(self) -> str:
        return self._one("AWS::DynamoDB::Table", "AWS::DynamoDB::Table")

    def model_function(self) -> str:
        for name in self.functions():
            if self.resources[name].get("Properties", {}).get("CodeUri") == MODEL_CODE_URI:
                return name
        raise Refused(f"template.yaml cannot be edited safely: no function with CodeUri {MODEL_CODE_URI}")

    def companions(self, function: str) -> list[str]:
        """Resources named after a function (its log group, alarms, ...): a new function gets its own."""
        return [n for n in self.resources if n != function and n.startswith(function)]

    def security(self) -> tuple[str, str | None]:
        """The API's authorizer name, and the condition it depends on (None: always on)."""
        body = self.resources[self.api_id()]["Properties"]["DefinitionBody"]
        definitions = body.get("securityDefinitions") or {}
        if len(definitions) != 1:
            raise Refused(
                "template.yaml cannot be edited safely: expected one securityDefinitions entry (the Cognito "
                f"authorizer) in the API's DefinitionBody, found {len(definitions)}"
            )
        ((name, definition),) = definitions.items()
        tag = getattr(getattr(definition, "tag", None), "value", None)
        if tag == "!If":
            return str(name), str(definition[0])
        return str(name), None

    def routes(self) -> dict[str, str]:
        """Every Api event path -> the function that declares it."""
        found = {}
        for name in self.functions():
            for event in (self.resources[name].get("Properties", {}).get("Events") or {}).values():
                if isinstance(event, dict) and event.get("Type") == "Api":
                    found[str(event["Properties"]["Path"])] = name
        return found

    # -- the edit -------------------------------------------------------------------------------------
    def check_free(self, names: ResourceNames) -> None:
        """Refuse a function id, or a path under the new collection, that the template already has."""
        taken = [n for n in self.resources if n.startswith(names.function_id)]
        if taken:
            raise Refused(f"template.yaml already has {', '.join(taken)}: choose another NAME")
        prefix = names.collection_path
        for path, owner in {**self.routes(), **dict.fromkeys(map(str, self.api_paths()), "the API")}.items():
            if path == prefix or path.startswith(prefix + "/"):
                raise Refused(f"the path {path} is already served ({owner}): choose another NAME")

    def with_resource(self, names: ResourceNames) -> str:
        """The template's text with the new function, its companions and its two paths added."""
        self.check_free(names)
        model = self.model_function()
        new_resources = self._new_resources(names, model)
        new_paths = self._new_paths_text(names, model)
        lines = self.text.splitlines(keepends=True)
        for dashboard in self.dashboards():
            for number in self._dashboard_lines(dashboard):
                lines[number] = _widget_with(lines[number], model, names.function_id)
        # The later insertion first, so that the earlier one's line number still holds.
        inserts = sorted(
            [
                (self._end_of(self.resources, self._last_function_group()), "\n" + self._dump(new_resources)),
                (self._end_of(self.api_paths(), list(self.api_paths())[-1]), new_paths),
            ],
            reverse=True,
        )
        for line, block in inserts:
            lines[line:line] = [block]
        result = "".join(lines)
        self._verify(result, new_resources, names)
        return result

    def _last_function_group(self) -> str:
        last = self.functions()[-1]
        group = [last, *self.companions(last)]
        return max(group, key=list(self.resources).index)

    def _new_resources(self, names: ResourceNames, model: str) -> CommentedMap:
        old, new = model, names.function_id
        function = _renamed(_uncommented(copy.deepcopy(self.resources[model])), old, new)
        properties = function["Properties"]
        properties["Description"] = f"{names.collection_path} collection and {names.plural}."
        properties["CodeUri"] = f"functions/{names.plural}/"
        variables = properties.setdefault("Environment", CommentedMap()).setdefault(
            "Variables", CommentedMap()
        )
        variables["POWERTOOLS_SERVICE_NAME"] = names.plural
        variables["TABLE_NAME"] = _tagged("!Ref", self.table_id())
        policy = _flow({"TableName": _tagged("!Ref", self.table_id())})
        policies = CommentedSeq([CommentedMap({"DynamoDBCrudPolicy": policy})])
        properties.pop("Policies", None)
        properties.pop("Events", None)
        properties.insert(len(properties), "Policies", policies)
        api = self.api_id()
        properties["Events"] = CommentedMap(
            {
                names.plural.capitalize(): _api_event(api, names.collection_path),
                names.singular.capitalize(): _api_event(api, names.member_path),
            }
        )
        result = CommentedMap({new: function})
        service = self._service_name(model)
        for companion in self.companions(model):
            copied = _renamed(_uncommented(copy.deepcopy(self.resources[companion])), old, new)
            # An alarm on the layer's metrics names the function by its service name.
            result[companion.replace(old, new, 1)] = _replaced_values(copied, service, names.plural)
        return result

    def _service_name(self, function: str) -> str | None:
        variables = (self.resources[function]["Properties"].get("Environment") or {}).get("Variables") or {}
        return variables.get("POWERTOOLS_SERVICE_NAME")

    # -- dashboards: one line per widget, each JSON; the new function's entries follow the others' ----------
    def dashboards(self) -> list[str]:
        return [n for n, r in self.resources.items() if isinstance(r, dict) and r.get("Type") == DASHBOARD]

    def _dashboard_lines(self, name: str) -> range:
        """The file's lines of the dashboard's body (a block scalar after `DashboardBody:`)."""
        properties = self.resources[name]["Properties"]
        start, column = properties.lc.key("DashboardBody")
        lines = self.text.splitlines()
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > column):
            end += 1
        return range(start + 1, end)

    def _new_paths_text(self, names: ResourceNames, model: str) -> str:
        model_path = next(p for p, f in self.routes().items() if f == model)
        integration = self._integration_of(self.api_paths()[model_path], model_path)
        integration = _renamed(_uncommented(copy.deepcopy(integration)), model, names.function_id)
        authorizer, condition = self.security()
        anchor = _free_anchor(self.text, names.plural)
        # Reads are public, every other method (and any added later) needs the authorizer; OPTIONS never
        # does, so a preflight cannot inherit it. As the items sample declares it (template.yaml).
        flow = self._dump_flow(integration)
        indent = " " * (self.api_paths().lc.key(model_path)[1])
        secured = f"{{x-amazon-apigateway-integration: *{anchor}, security: [{{{authorizer}: []}}]}}"
        if condition is None:
            protected = f"&{anchor}_protected {secured}"
        else:
            protected = (
                f"&{anchor}_protected !If\n{indent}    - {condition}\n{indent}    - {secured}\n"
                f"{indent}    - {{x-amazon-apigateway-integration: *{anchor}}}"
            )
        return (
            f"{indent}{names.collection_path}:\n"
            f"{indent}  get: {{x-amazon-apigateway-integration: &{anchor} {flow}}}\n"
            f"{indent}  head: {{x-amazon-apigateway-integration: *{anchor}}}\n"
            f"{indent}  options: {{x-amazon-apigateway-integration: *{anchor}}}\n"
            f"{indent}  x-amazon-apigateway-any-method: {protected}\n"
            f'{indent}"{names.member_path}":\n'
            f"{indent}  get: {{x-amazon-apigateway-integration: *{anchor}}}\n"
            f"{indent}  head: {{x-amazon-apigateway-integration: *{anchor}}}\n"
            f"{indent}  options: {{x-amazon-apigateway-integration: *{anchor}}}\n"
            f"{indent}  x-amazon-apigateway-any-method: *{anchor}_protected\n"
        )

    @staticmethod
    def _integration_of(path_item: Any, path: str) -> CommentedMap:
        for method in path_item.values():
            if isinstance(method, dict) and isinstance(method.get("x-amazon-apigateway-integration"), dict):
                return method["x-amazon-apigateway-integration"]
        raise Refused(f"template.yaml cannot be edited safely: no integration under the path {path}")

    def _end_of(self, mapping: CommentedMap, key: str) -> int:
        """The line after `key`'s block: blank lines and comments before the next key stay with that key."""
        lines = self.text.splitlines()
        start, column = mapping.lc.key(key)
        end = len(lines)
        for number in range(start + 1, len(lines)):
            stripped = lines[number].strip()
            if stripped and len(lines[number]) - len(lines[number].lstrip()) <= column:
                end = number
                break
        while end > start + 1 and (
            not lines[end - 1].strip()
            or (lines[end - 1].lstrip().startswith("#") and _indent(lines[end - 1]) <= column)
        ):
            end -= 1
        return end

    @staticmethod
    def _dump(resources: CommentedMap) -> str:
        out = io.StringIO()
        _yaml().dump(CommentedMap({"Resources": resources}), out)
        body = out.getvalue().split("\n", 1)[1]  # without the "Resources:" line
        # A blank line between resources, as the template has them.
        return re.sub(r"\n(?=  [A-Za-z0-9]+:\n)", "\n\n", body)

    @staticmethod
    def _dump_flow(mapping: CommentedMap) -> str:
        flowing = _flow(dict(mapping))
        out = io.StringIO()
        _yaml().dump(CommentedMap({"x": flowing}), out)
        return out.getvalue().split(": ", 1)[1].strip()

    def _verify(self, result: str, new_resources: CommentedMap, names: ResourceNames) -> None:
        try:
            after = Template(result)
        except Refused as error:
            raise Refused(f"the edited template.yaml would not parse: nothing written ({error})") from error
        before_resources, after_resources = plain(self.resources), plain(after.resources)
        expected = {**before_resources, **plain(new_resources)}
        before_paths, after_paths = plain(self.api_paths()), plain(after.api_paths())
        added_paths = {names.collection_path, names.member_path}
        for resources in (expected, after_resources):  # the API compared without its paths, then the paths
            del resources[self.api_id()]["Properties"]["DefinitionBody"]["paths"]
        model = self.model_function()
        for dashboard in self.dashboards():
            body = expected[dashboard]["Properties"]["DashboardBody"]
            tag, text = next(iter(body.items())) if isinstance(body, dict) else (None, body)
            text = "".join(_widget_with(line, model, names.function_id) for line in text.splitlines(True))
            expected[dashboard]["Properties"]["DashboardBody"] = {tag: text} if tag else text
        if (
            after_resources != expected
            or {k: v for k, v in after_paths.items() if k not in added_paths} != before_paths
            or set(after_paths) != set(before_paths) | added_paths
            or plain(after.doc.get("Parameters")) != plain(self.doc.get("Parameters"))
            or [k for k in after.doc if k != "Resources"] != [k for k in self.doc if k != "Resources"]
        ):
            raise Refused(
                "template.yaml cannot be edited safely: the edit would change more than the new resource "
                "(an unusual layout around the last function or path); nothing written"
            )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _tagged(tag: str, value: str) -> TaggedScalar:
    return TaggedScalar(value=value, tag=tag)


def _flow(mapping: dict[str, Any]) -> CommentedMap:
    result = CommentedMap(mapping)
    result.fa.set_flow_style()
    return result


def _api_event(api: str, path: str) -> CommentedMap:
    quoted = DoubleQuotedScalarString(path) if "{" in path else path
    return CommentedMap(
        {
            "Type": "Api",
            "Properties": _flow({"RestApiId": _tagged("!Ref", api), "Path": quoted, "Method": "ANY"}),
        }
    )


def _free_anchor(text: str, name: str) -> str:
    for candidate in (name, f"{name}_api", f"{name}_integration"):
        if not re.search(rf"[&*]{candidate}(_protected)?\b", text):
            return candidate
    raise Refused(f"template.yaml cannot be edited safely: the YAML anchors for {name!r} are all taken")


def _uncommented(node: Any) -> Any:
    """The copy without the model's comments: they explain the model, not the new resource."""
    if isinstance(node, CommentedBase) and hasattr(node, "ca"):
        node.ca.items.clear()
        node.ca.comment = None
        node.ca.end = []
    if isinstance(node, dict):
        for value in node.values():
            _uncommented(value)
    elif isinstance(node, list):
        for value in node:
            _uncommented(value)
    return node


def _renamed(node: Any, old: str, new: str) -> Any:
    """Every mention of the model function's logical id (a !Ref, a !Sub, a companion's name) renamed."""
    if isinstance(node, TaggedScalar):
        node.value = _rename_text(node.value, old, new)
        return node
    if isinstance(node, dict):
        for key in list(node):
            node[key] = _renamed(node[key], old, new)
        return node
    if isinstance(node, list):
        for index, value in enumerate(node):
            node[index] = _renamed(value, old, new)
        return node
    if isinstance(node, str):
        renamed = _rename_text(str(node), old, new)
        return type(node)(renamed) if renamed != node else node
    return node


def _replaced_values(node: Any, old: str | None, new: str) -> Any:
    """Every scalar value equal to `old` replaced by `new` (keys and other values stay)."""
    if old is None:
        return node
    if isinstance(node, dict):
        for key in list(node):
            node[key] = _replaced_values(node[key], old, new)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            node[index] = _replaced_values(value, old, new)
    elif isinstance(node, str) and not isinstance(node, TaggedScalar) and str(node) == old:
        return type(node)(new) if type(node) is not str else new
    return node


def _widget_with(line: str, model: str, new: str) -> str:
    """A dashboard widget line (JSON) with the new function's entries after the other functions': each
    array entry naming `${<model>...}` is copied, renamed, after the array's last entry naming a function.
    Lines that are not a widget, or name no model entry, are returned as they are."""
    text = line.strip()
    comma = text.endswith(",")
    try:
        widget = json.loads(text.removesuffix(","))
    except ValueError:
        return line
    if json.dumps(widget) != text.removesuffix(","):
        return line  # not written the way json.dumps writes it: not ours to rewrite

    def visit(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: visit(value) for key, value in node.items()}
        if not isinstance(node, list):
            return node
        # The outermost array with entries about the model is the list of entries: its entries are copied
        # whole (an entry may itself be an array, as a metric is).
        copies = [json.loads(_rename_text(json.dumps(v), model, new)) for v in node if _names(v, model)]
        if not copies:
            return [visit(value) for value in node]
        last = max(i for i, v in enumerate(node) if _names(v, "") and "Function" in json.dumps(v))
        return node[: last + 1] + copies + node[last + 1 :]

    changed = visit(widget)
    if changed == widget:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}{json.dumps(changed)}{',' if comma else ''}{line[len(line.rstrip()) :]}"


def _names(value: Any, function: str) -> bool:
    """Whether a dashboard entry is about `function` (a `${Function}` or `${FunctionXxx.Arn}` in it)."""
    return bool(re.search(rf"\$\{{{re.escape(function)}\w*(\.Arn)?\}}", json.dumps(value)))


def _rename_text(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}(?=[A-Za-z0-9]*\b)", new, text)
