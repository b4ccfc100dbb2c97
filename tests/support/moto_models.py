"""Test-only: how support.moto_cognito and support.moto_operations teach moto's CloudFormation a resource.

moto's CloudFormation creates a resource through a model: a direct subclass of `CloudFormationModel` with
the resource type, the property that names it, the attributes GetAtt may ask for, and a
`create_from_cloudformation_json` that calls moto's backends. `backend_model` builds that class around one
function from the resource's properties to what was created, so each module states only what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel


class Created:
    """What a created resource gives CloudFormation: Ref (the physical id) and GetAtt attributes."""

    def __init__(self, physical_resource_id: str, **attributes: str) -> None:
        self.physical_resource_id = physical_resource_id
        self.attributes = attributes

    def get_cfn_attribute(self, name: str) -> str:
        return self.attributes[name]

    def is_created(self) -> bool:
        return True  # moto's backends create synchronously


# (properties, resource name, account id, region) -> what was created
Create = Callable[[dict[str, Any], str, str, str], Created]


def backend_model(
    resource_type: str, *, name_property: str = "", attributes: tuple[str, ...] = ()
) -> Callable[[Create], Create]:
    """Register, for moto's CloudFormation, a model of `resource_type` that the decorated function
    creates; `name_property` is the property naming the resource, `attributes` what GetAtt may read."""

    def register(create: Create) -> Create:
        def create_from_cloudformation_json(
            cls: type,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
            **_: Any,
        ) -> Created:
            return create(cloudformation_json["Properties"], resource_name, account_id, region_name)

        # A direct subclass of CloudFormationModel: moto builds its type -> model map from those alone.
        type(
            resource_type.replace("::", ""),
            (CloudFormationModel,),
            {
                "cloudformation_name_type": staticmethod(lambda: name_property),
                "cloudformation_type": staticmethod(lambda: resource_type),
                "has_cfn_attr": classmethod(lambda cls, attr: attr in attributes),
                "create_from_cloudformation_json": classmethod(create_from_cloudformation_json),
            },
        )
        # moto builds that map once: rebuilt with each model registered
        parsing.get_model_map.cache_clear()
        parsing.get_name_type_map.cache_clear()
        return create

    return register
