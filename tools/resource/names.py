"""The names of a new resource, all derived from its plural: folder, path, logical ids, classes, keys."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

# One path segment, one Python identifier, one folder: lowercase letters and digits, a letter first.
NAME = re.compile(r"[a-z][a-z0-9]{1,39}")
# Module names a function folder already uses, and packages its code imports: a resource named after one
# would shadow it on the function's sys.path.
RESERVED = frozenset({
    "api", "app", "models", "repository", "service", "routes", "events", "tests", "functions", "layers",
    "tools", "api_core", "fastapi", "pydantic", "mangum", "boto3", "botocore", "starlette", "typing",
})  # fmt: skip


class Refused(ValueError):
    """make resource will not go on; the message says why and what would do. Nothing was written."""


def singular_of(plural: str) -> str | None:
    """The usual English singular of `plural`, or None when no rule applies (then it must be given)."""
    if plural.endswith("ies") and len(plural) > 4:
        return plural[:-3] + "y"
    if plural.endswith(("sses", "shes", "ches", "xes", "zes")):
        return plural[:-2]
    if plural.endswith("s") and not plural.endswith(("ss", "us", "is")):
        return plural[:-1]
    return None


@dataclass(frozen=True)
class ResourceNames:
    """Every spelling of one resource, e.g. things / thing."""

    plural: str  # things: the folder, the path segment, the function's service name
    singular: str  # thing: thing_id, create_thing

    @classmethod
    def parse(cls, plural: str, singular: str | None = None) -> ResourceNames:
        """Validate `plural` (and `singular`, derived when not given); Refused says what is wrong."""
        if not plural:
            raise Refused("give the collection's plural: make resource NAME=things [SINGULAR=thing]")
        for label, value in (("NAME", plural), ("SINGULAR", singular)):
            if value is None:
                continue
            if not NAME.fullmatch(value):
                raise Refused(
                    f"{label}={value!r} is not a valid resource name: use 2-40 lowercase letters and digits, "
                    "a letter first (it becomes the folder, the URL segment and Python identifiers)"
                )
            if keyword.iskeyword(value) or value in RESERVED:
                raise Refused(f"{label}={value!r} is a reserved name (a module or keyword the code uses)")
        derived = singular or singular_of(plural)
        if derived is None:
            raise Refused(
                f"NAME={plural!r} is taken as a plural, but its singular cannot be derived: "
                f"give it, e.g. make resource NAME={plural} SINGULAR=..."
            )
        if derived == plural:
            raise Refused(f"the singular and the plural must differ (both are {plural!r})")
        if not NAME.fullmatch(derived) or keyword.iskeyword(derived) or derived in RESERVED:
            raise Refused(f"the singular {derived!r} of {plural!r} is not usable: give SINGULAR=...")
        return cls(plural, derived)

    @property
    def mapping(self) -> dict[str, str]:
        """The placeholders of the skeleton files: ${things}, ${Things}, ${THINGS}, ${thing}, ..."""
        return {
            "things": self.plural,
            "Things": self.plural.capitalize(),
            "THINGS": self.plural.upper(),
            "thing": self.singular,
            "Thing": self.singular.capitalize(),
            "THING": self.singular.upper(),
        }

    @property
    def function_id(self) -> str:
        return f"{self.plural.capitalize()}Function"

    @property
    def collection_path(self) -> str:
        return f"/api/v1/{self.plural}"

    @property
    def member_path(self) -> str:
        return f"/api/v1/{self.plural}/{{{self.singular}_id}}"
