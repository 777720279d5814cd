"""SGR schemas by name, and loading a user's own schema from a file."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from schemas.invoice import Invoice

BUILTIN: dict[str, type[BaseModel]] = {"invoice": Invoice}


class SchemaNotFound(LookupError):
    """The schema name or path does not resolve to a pydantic model."""


def schema_named(spec: str) -> type[BaseModel]:
    """A built-in schema by name, or ``path/to/file.py:Model`` for a user's own.

    The path is taken as given: relative to the working folder, or absolute (as
    ``resolved_schema_spec`` stores it, so a run can be scored from another folder).
    """
    if spec in BUILTIN:
        return BUILTIN[spec]
    path, model_name = _file_and_model(spec)
    module = _module_of(path)
    model = getattr(module, model_name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SchemaNotFound(f"{model_name} in {path} is not a pydantic model")
    return model


def resolved_schema_spec(spec: str) -> str:
    """The spec to store with a run: a built-in name as is, a file as ``/absolute/path.py:Model``
    so that the same schema loads from any working folder later."""
    if spec in BUILTIN:
        return spec
    path, model_name = _file_and_model(spec)
    return f"{path.resolve()}:{model_name}"


def _file_and_model(spec: str) -> tuple[Path, str]:
    if ":" not in spec:
        known = ", ".join(sorted(BUILTIN))
        raise SchemaNotFound(f"unknown schema {spec!r}: use one of {known} or FILE.py:Model")
    file_name, _, model_name = spec.rpartition(":")
    path = Path(file_name).expanduser()
    if not path.is_file():
        raise SchemaNotFound(f"schema file {file_name} not found")
    return path, model_name


def _module_of(path: Path) -> ModuleType:
    """The file run as a module; whatever it raises becomes one line naming the file."""
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    module_name = f"user_schema_{resolved.stem}_{digest}"  # two folders' my_schema.py differ
    loader = importlib.util.spec_from_file_location(module_name, resolved)
    if loader is None or loader.loader is None:
        raise SchemaNotFound(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(loader)
    sys.modules[module_name] = module  # pydantic resolves the file's annotations through it
    try:
        loader.loader.exec_module(module)
    except Exception as error:  # the user's code: any error, as one line instead of a traceback
        del sys.modules[module_name]
        message = " ".join(str(error).split())
        raise SchemaNotFound(f"{path}: {type(error).__name__}: {message}") from error
    return module
