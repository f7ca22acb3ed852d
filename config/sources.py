"""Where each setting comes from (the TOML file, PAPERBOY_* variables), and one-line reports of
what is wrong with them: unknown names with a "did you mean", bad values naming key and source.

pydantic-settings' own sources blame the environment for a file's typo, ignore a variable with
one underscore too few, and say "error parsing value for field digest"; these say which key,
which source, and what is expected.
"""

from __future__ import annotations

import difflib
import json
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource

PREFIX = "PAPERBOY_"
DELIMITER = "__"
# PAPERBOY_* names that are not settings but are read by paperboy.
NOT_SETTINGS = frozenset({"PAPERBOY_CONFIG"})


class SourceError(Exception):
    """A value no validator gets to see (it is not even the right shape): one line."""


def env_name(section: str, key: str) -> str:
    """The variable of one setting: ``PAPERBOY_DIGEST__EXTRA_HOLIDAYS``."""
    return f"{PREFIX}{section.upper()}{DELIMITER}{key.upper()}"


def known_keys(settings_cls: type[BaseSettings]) -> dict[str, FieldInfo]:
    """Every setting by dotted key (``digest.extra_holidays``) with its field."""
    keys: dict[str, FieldInfo] = {}
    for section, info in settings_cls.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for key, sub in model.model_fields.items():
                keys[f"{section}.{key}"] = sub
    return keys


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


@dataclass
class Loaded:
    """The raw values of both sources, and the warnings found while reading them."""

    toml: dict[str, Any] = field(default_factory=dict)
    env: dict[str, dict[str, Any]] = field(default_factory=dict)
    env_names: dict[str, str] = field(default_factory=dict)  # dotted key -> variable name
    toml_path: Path | None = None
    warnings: list[str] = field(default_factory=list)


def read_sources(
    settings_cls: type[BaseSettings], toml_path: Path | None, environ: Mapping[str, str]
) -> Loaded:
    """Read the file and the environment, keep the known keys, warn about the others."""
    keys = known_keys(settings_cls)
    loaded = Loaded(toml_path=toml_path)
    if toml_path is not None:
        loaded.toml = _read_toml(toml_path, keys, loaded.warnings)
    valid_names = {env_name(*key.split(".")): key for key in keys}
    for name, value in environ.items():
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in NOT_SETTINGS:
            continue
        key = valid_names.get(upper)
        if key is None:
            loaded.warnings.append(
                f"{name} is not a paperboy setting and is ignored"
                + _suggest(upper, sorted(valid_names))
            )
            continue
        section, sub = key.split(".")
        loaded.env.setdefault(section, {})[sub] = _decode(key, keys[key], value, f"environment {name}")
        loaded.env_names[key] = name
    return loaded


def _read_toml(path: Path, keys: dict[str, FieldInfo], warnings: list[str]) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read the config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path} is not valid TOML: {exc}") from None
    sections = sorted({k.split(".")[0] for k in keys})
    kept: dict[str, Any] = {}
    for section, values in data.items():
        if section not in sections:
            warnings.append(f"[{section}] in {path} is not a paperboy section and is ignored"
                            + _suggest(section, sections))
            continue
        if not isinstance(values, dict):
            kept[section] = values  # the validator says what a section should be
            continue
        names = sorted(k.split(".")[1] for k in keys if k.startswith(section + "."))
        kept[section] = {}
        for key, value in values.items():
            if key in names:
                kept[section][key] = value
            else:
                warnings.append(f"{section}.{key} in {path} is not a paperboy setting and is "
                                f"ignored" + _suggest(key, names).replace("mean ", f"mean {section}."))
    return kept


def _decode(key: str, info: FieldInfo, value: str, source: str) -> Any:
    """A variable's text as the field wants it: lists and tables are JSON (as in
    pydantic-settings); everything else is text the validators convert."""
    origin = typing.get_origin(info.annotation)
    if origin not in (tuple, list, dict) or any(m is NoDecode for m in info.metadata):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise SourceError(f"{key} (source: {source}): expected a JSON list such as "
                          f"{_example_list(info)}, got {value!r}") from None


def _example_list(info: FieldInfo) -> str:
    args = typing.get_args(info.annotation)
    item = args[0] if args else str
    sample = {date: '["2027-01-01", "2027-11-25"]', int: "[123, 456]"}.get(item, '["a", "b"]')
    return sample


class DictSource(PydanticBaseSettingsSource):
    """Values already read (the TOML file or the environment), as a pydantic-settings source."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def describe(exc: ValidationError, loaded: Loaded) -> str:
    """One line per bad value: ``key (source: …): expected …``."""
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        key = ".".join(loc[:2]) or "(root)"
        lines.append(f"{'.'.join(loc) or '(root)'} (source: {_source(key, loaded)}): "
                     f"{_expected(err)}")
    return "\n".join(lines)


def _source(key: str, loaded: Loaded) -> str:
    if key in loaded.env_names:
        return f"environment {loaded.env_names[key]}"
    section, _, sub = key.partition(".")
    table = loaded.toml.get(section)
    if loaded.toml_path is not None and (not isinstance(table, dict) or sub in table):
        return f"file {loaded.toml_path}"
    return "default"


def _expected(err: Any) -> str:
    message: str = err["msg"]
    for prefix in ("Value error, ", "Input should be "):
        if message.startswith(prefix):
            message = ("expected " if prefix.startswith("Input") else "") + message[len(prefix):]
    if err["type"] in ("tuple_type", "list_type"):
        message = "expected a list such as [\"a\", \"b\"] (in the environment: JSON)"
    given = err.get("input")
    if isinstance(given, str | int | float | bool) and repr(given) not in message \
            and str(given) not in message:
        message += f", got {given!r}"
    return message


Warn = Callable[[str], None]
