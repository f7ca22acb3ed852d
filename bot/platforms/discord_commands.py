"""The slash-command tree, generated from the core's registry, and slash options back to text.

Discord shows a command's arguments as typed options; the core reads one line of text
(``/summarize 2410.13726 zh``). These two functions translate between them, so a new command
in ``bot/core/registry.py`` appears on Discord without touching the adapter.
"""

from __future__ import annotations

from typing import Any

from bot.core.registry import COMMANDS, Access, ArgKind, Argument, CommandSpec, find

__all__ = ["AUTOCOMPLETED", "command_text", "slash_commands"]

STRING, INTEGER = 3, 4  # Discord's application command option types
CHAT_INPUT = 1
GUILD, BOT_DM = 0, 1  # interaction contexts
GUILD_INSTALL = 0
MANAGE_CHANNELS = 1 << 4
AUTOCOMPLETED = frozenset({ArgKind.SUBSCRIPTION, ArgKind.TIMEZONE, ArgKind.LANGUAGE})
_MAX_TEXT = 400  # a topic or a link; longer input is a paste by mistake


def slash_commands() -> list[dict[str, Any]]:
    """The payload of ``PUT /applications/{id}/commands``: every command /help lists."""
    return [_command(spec) for spec in COMMANDS if spec.section]


def _command(spec: CommandSpec) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": CHAT_INPUT,
        "name": spec.name,
        "description": spec.description,
        "options": [_option(arg) for arg in spec.arguments],
        "contexts": [GUILD, BOT_DM],
        "integration_types": [GUILD_INSTALL],
    }
    if spec.access is Access.MANAGERS:
        # Server members without Manage Channels do not even see it (DMs are not affected);
        # the core refuses them anyway, should a server admin override this.
        payload["default_member_permissions"] = str(MANAGE_CHANNELS)
    return payload


def _option(arg: Argument) -> dict[str, Any]:
    option: dict[str, Any] = {
        "type": INTEGER if arg.kind is ArgKind.INTEGER else STRING,
        "name": arg.name,
        "description": arg.description,
        "required": arg.required,
    }
    if arg.choices:
        option["choices"] = [{"name": c, "value": c} for c in arg.choices]
    elif arg.kind in AUTOCOMPLETED:
        option["autocomplete"] = True  # suggestions, and free text still accepted
    if arg.kind is ArgKind.INTEGER:
        if arg.min_value is not None:
            option["min_value"] = arg.min_value
        if arg.max_value is not None:
            option["max_value"] = arg.max_value
    else:
        option["max_length"] = _MAX_TEXT
    return option


def command_text(name: str, options: list[dict[str, Any]]) -> str:
    """``/name arg1 arg2``: the options in the order the core reads them."""
    spec = find(name)
    values = {str(o.get("name")): o.get("value") for o in options}
    order = [a.name for a in spec.arguments] if spec else list(values)
    parts = [" ".join(str(values[n]).split()) for n in order if values.get(n) not in (None, "")]
    return " ".join([f"/{name}", *parts])
