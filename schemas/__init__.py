"""SGR schemas by name, and loading a user's own schema from a file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas.invoice import Invoice

BUILTIN: dict[str, type[BaseModel]] = {"invoice": Invoice}


class SchemaNotFound(LookupError):
    """The schema name or path does not resolve to a pydantic model."""


def schema_named(spec: str) -> type[BaseModel]:
    """A built-in schema by name, or ``path/to/file.py:Model`` for a user's own."""
    if spec in BUILTIN:
        return BUILTIN[spec]
    if ":" not in spec:
        known = ", ".join(sorted(BUILTIN))
        raise SchemaNotFound(f"unknown schema {spec!r}: use one of {known} or FILE.py:Model")
    file_name, _, model_name = spec.rpartition(":")
    path = Path(file_name)
    if not path.is_file():
        raise SchemaNotFound(f"schema file {file_name} not found")
    module_name = f"user_schema_{path.stem}"
    loader = importlib.util.spec_from_file_location(module_name, path)
    if loader is None or loader.loader is None:
        raise SchemaNotFound(f"cannot load {file_name} as a Python module")
    module = importlib.util.module_from_spec(loader)
    sys.modules[module_name] = module
    loader.loader.exec_module(module)
    model = getattr(module, model_name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SchemaNotFound(f"{model_name} in {file_name} is not a pydantic model")
    return model
