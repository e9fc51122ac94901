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


@cache
def get_validator() -> jsonschema.Draft202012Validator:
    """Return a validator of the vector schema (the schema itself is checked once, here)."""
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_vector(vector: JsonValue) -> None:
    """Check ``vector`` against the schema.

    Raises:
        jsonschema.ValidationError: naming the part of the vector that breaks it (the error
            ``jsonschema.validate`` would choose).
    """
    error = jsonschema.exceptions.best_match(get_validator().iter_errors(vector))
    if error is not None:
        raise error
