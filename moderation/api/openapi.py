"""OpenAPI document tweaks: what Litestar's generator leaves out but our contract promises."""

from __future__ import annotations

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Schema
from litestar.typing import FieldDefinition

from moderation.api.problems import FORUM_PROBLEMS


class ClosedStructSchemaPlugin(StructSchemaPlugin):
    """Structs declared with forbid_unknown_fields=True get `additionalProperties: false` in the schema,
    so clients (and fuzzers) learn that unknown fields are refused, which they are, with a 422."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: object) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)  # type: ignore[arg-type]
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="MS forum moderation API",
        version="1.0.0",
        description=(
            "Submit comments, read decisions, follow the change feed. Every /v1 call needs "
            "`Authorization: Bearer <forum API key>`; errors are RFC 9457 problem details "
            f"(statuses {', '.join(map(str, FORUM_PROBLEMS))} on every call)."
        ),
        path="/schema",
    )
