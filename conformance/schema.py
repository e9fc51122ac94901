"""The JSON Schema of vectors (``conformance/schema.json``) and validation against it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from conformance.readable import JsonValue

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"
"""Where the schema ships, inside the installed package."""


@cache
def load_schema() -> dict[str, Any]:
    """Return the vector schema."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def validate_vector(vector: JsonValue) -> None:
    """Check ``vector`` against the schema.

    Raises:
        jsonschema.ValidationError: naming the first part of the vector that breaks it.
    """
    jsonschema.validate(vector, load_schema(), cls=jsonschema.Draft202012Validator)
