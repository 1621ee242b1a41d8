"""Application commands: storing synced commands and building command interaction data."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

from fakediscord import payloads
from fakediscord.checks import ApiError, PayloadReport
from fakediscord.permissions import Permission
from fakediscord.state import AppCommand, Channel, Guild, Member, Role, User

if TYPE_CHECKING:
    from fakediscord.emulator import Emulator

JSON = dict[str, Any]

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

CHAT_INPUT = 1
NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)


class CommandError(LookupError):
    """A scenario asked for a command/option that the bot did not sync (or used it wrongly)."""


# -- syncing ---------------------------------------------------------------------------------


def validate_command(report: PayloadReport, index: int, raw: JSON) -> None:
    base = (str(index),)
    ctype = int(raw.get("type") or CHAT_INPUT)
    name = str(raw.get("name") or "")
    if not NAME_RE.match(name) or (ctype == CHAT_INPUT and name != name.lower()):
        report.add(
            (*base, "name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name {name!r} is invalid",
            "invalid_command",
        )
    if ctype == CHAT_INPUT:
        desc = str(raw.get("description") or "")
        if not 1 <= len(desc) <= 100:
            report.add(
                (*base, "description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
                "invalid_command",
            )
    _validate_options(report, (*base, "options"), raw.get("options") or [], depth=0)


def _validate_options(
    report: PayloadReport, path: tuple[str, ...], options: list[JSON], depth: int
) -> None:
    if len(options) > 25:
        report.add(
            path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.", "invalid_command"
        )
    seen_optional = False
    names: set[str] = set()
    for i, opt in enumerate(options):
        here = (*path, str(i))
        name = str(opt.get("name") or "")
        otype = int(opt.get("type") or 0)
        if not NAME_RE.match(name) or name != name.lower():
            report.add(
                (*here, "name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                f"Option name {name!r} is invalid",
                "invalid_command",
            )
        if name in names:
            report.add(
                (*here, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                f"Option name {name!r} is duplicated",
                "invalid_command",
            )
        names.add(name)
        if not 1 <= len(str(opt.get("description") or "")) <= 100:
            report.add(
                (*here, "description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
                "invalid_command",
            )
        if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= (1 if otype == SUB_COMMAND_GROUP else 2):
                report.add(
                    here,
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command nesting too deep",
                    "invalid_command",
                )
            _validate_options(report, (*here, "options"), opt.get("options") or [], depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                report.add(
                    here,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                    "invalid_command",
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > 25:
            report.add(
                (*here, "choices"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
                "invalid_command",
            )
        if choices and opt.get("autocomplete"):
            report.add(
                (*here, "autocomplete"),
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                "Autocomplete cannot be used with choices",
                "invalid_command",
            )


def bulk_overwrite(emu: Emulator, guild_id: int | None, items: Any) -> list[AppCommand]:
    if not isinstance(items, list):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            violation="invalid_command",
            detail="body is not a list",
        )
    report = PayloadReport()
    if len([c for c in items if int(c.get("type") or 1) == CHAT_INPUT]) > 100:
        report.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.", "invalid_command")
    keys: set[tuple[str, int]] = set()
    for i, raw in enumerate(items):
        validate_command(report, i, raw)
        key = (str(raw.get("name")), int(raw.get("type") or 1))
        if key in keys:
            report.add(
                (str(i), "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[0]}",
                "invalid_command",
            )
        keys.add(key)
    report.raise_if_any()
    world = emu.world
    existing = {
        (c.name, c.type): c
        for c in world.commands.values()
        if c.guild_id == guild_id and c.application_id == emu.application.id
    }
    result: list[AppCommand] = []
    for raw in items:
        result.append(upsert(emu, guild_id, raw, existing=existing))
    kept = {c.id for c in result}
    for cmd in existing.values():
        if cmd.id not in kept:
            world.commands.pop(cmd.id, None)
    emu.changed()
    return result


def upsert(
    emu: Emulator,
    guild_id: int | None,
    raw: JSON,
    *,
    existing: dict[tuple[str, int], AppCommand] | None = None,
) -> AppCommand:
    world = emu.world
    if existing is None:
        existing = {(c.name, c.type): c for c in world.commands.values() if c.guild_id == guild_id}
    name = str(raw.get("name"))
    ctype = int(raw.get("type") or CHAT_INPUT)
    clean = {k: v for k, v in raw.items() if k not in ("id", "application_id", "version")}
    old = existing.get((name, ctype))
    if old is not None:
        old.raw = clean
        old.version = emu.ids.next()
        return old
    cmd = AppCommand(
        id=emu.ids.next(),
        application_id=emu.application.id,
        guild_id=guild_id,
        name=name,
        type=ctype,
        raw=clean,
        version=emu.ids.next(),
    )
    world.commands[cmd.id] = cmd
    return cmd


# -- invoking --------------------------------------------------------------------------------


def find_command(emu: Emulator, channel: Channel, root: str, ctype: int = CHAT_INPUT) -> AppCommand:
    candidates = [c for c in emu.world.commands.values() if c.name == root and c.type == ctype]
    for cmd in candidates:
        if cmd.guild_id is not None and cmd.guild_id == channel.guild_id:
            return cmd
    for cmd in candidates:
        if cmd.guild_id is None:
            return cmd
    synced = sorted(
        {
            f"/{c.name}" + (f" (guild {c.guild_id})" if c.guild_id else "")
            for c in emu.world.commands.values()
        }
    )
    raise CommandError(
        f"command /{root} is not synced for channel {channel!r}; "
        f"synced commands: {', '.join(synced) or 'none (did the bot call tree.sync()?)'}"
    )


def _member_can_use(emu: Emulator, cmd: AppCommand, user: User, channel: Channel) -> bool:
    required = cmd.raw.get("default_member_permissions")
    if required is None:
        return True
    perms = emu.world.permissions_in(user, channel)
    if perms & Permission.ADMINISTRATOR:
        return True
    return int(required) != 0 and perms & int(required) == int(required)


def _as_id(value: Any) -> int:
    if isinstance(value, User | Member | Role | Channel | Guild):
        return int(value.id)
    return int(value)


class _Resolver:
    def __init__(self, emu: Emulator, channel: Channel) -> None:
        self.emu = emu
        self.channel = channel
        self.guild = emu.world.guild_of(channel)
        self.resolved: dict[str, JSON] = {}

    def _bucket(self, name: str) -> JSON:
        return self.resolved.setdefault(name, {})

    def user(self, uid: int) -> bool:
        user = self.emu.world.users.get(uid)
        if user is None:
            return False
        self._bucket("users")[str(uid)] = payloads.user(user)
        member = self.guild.members.get(uid) if self.guild is not None else None
        if member is not None:
            perms = self.emu.world.permissions_in(user, self.channel)
            self._bucket("members")[str(uid)] = payloads.member(
                member, with_user=False, permissions=perms
            )
        return True

    def role(self, rid: int) -> bool:
        role = self.guild.roles.get(rid) if self.guild is not None else None
        if role is None:
            return False
        self._bucket("roles")[str(rid)] = payloads.role(role)
        return True

    def channel_(self, cid: int) -> Channel | None:
        chan = self.emu.world.channels.get(cid)
        if chan is None or chan.deleted:
            return None
        perms = self.emu.world.permissions_in(self.emu.bot, chan)
        entry: JSON = {
            "id": str(chan.id),
            "name": chan.name,
            "type": chan.type,
            "permissions": str(perms),
            "parent_id": str(chan.parent_id) if chan.parent_id else None,
            "flags": 0,
        }
        if chan.guild_id is not None:
            entry["guild_id"] = str(chan.guild_id)
        self._bucket("channels")[str(cid)] = entry
        return chan


def _convert(resolver: _Resolver, opt: JSON, value: Any, path: str) -> Any:
    otype = int(opt["type"])
    name = opt["name"]
    try:
        if otype == STRING:
            converted: Any = str(value)
            if "min_length" in opt and len(converted) < int(opt["min_length"]):
                raise CommandError(f"{path}: option {name!r} shorter than min_length")
            if "max_length" in opt and len(converted) > int(opt["max_length"]):
                raise CommandError(f"{path}: option {name!r} longer than max_length")
        elif otype == INTEGER:
            converted = int(value)
        elif otype == NUMBER:
            converted = float(value)
        elif otype == BOOLEAN:
            converted = bool(value)
        elif otype == USER:
            converted = str(_as_id(value))
            if not resolver.user(int(converted)):
                raise CommandError(f"{path}: option {name!r}: unknown user {value!r}")
        elif otype == ROLE:
            converted = str(_as_id(value))
            if not resolver.role(int(converted)):
                raise CommandError(f"{path}: option {name!r}: unknown role {value!r}")
        elif otype == MENTIONABLE:
            converted = str(_as_id(value))
            if not (resolver.user(int(converted)) or resolver.role(int(converted))):
                raise CommandError(f"{path}: option {name!r}: unknown user/role {value!r}")
        elif otype == CHANNEL:
            converted = str(_as_id(value))
            chan = resolver.channel_(int(converted))
            if chan is None:
                raise CommandError(f"{path}: option {name!r}: unknown channel {value!r}")
            allowed_types = opt.get("channel_types")
            if allowed_types and chan.type not in allowed_types:
                raise CommandError(
                    f"{path}: option {name!r}: channel type {chan.type} not in {allowed_types}"
                )
        else:
            raise CommandError(f"{path}: option {name!r} has unsupported type {otype}")
    except (TypeError, ValueError) as exc:
        raise CommandError(f"{path}: option {name!r}: cannot convert {value!r}: {exc}") from exc
    if otype in (INTEGER, NUMBER):
        if "min_value" in opt and converted < opt["min_value"]:
            raise CommandError(f"{path}: option {name!r} below min_value {opt['min_value']}")
        if "max_value" in opt and converted > opt["max_value"]:
            raise CommandError(f"{path}: option {name!r} above max_value {opt['max_value']}")
    choices = opt.get("choices")
    if choices and converted not in [c["value"] for c in choices]:
        names = [c["value"] for c in choices]
        raise CommandError(f"{path}: option {name!r} value {converted!r} not one of {names}")
    return converted


def build_command_data(
    emu: Emulator,
    user: User,
    channel: Channel,
    path: str,
    options: dict[str, Any] | None,
    *,
    focused: tuple[str, str] | None = None,
    check_permissions: bool = True,
) -> tuple[AppCommand, JSON]:
    """Build ``data`` of an APPLICATION_COMMAND (or autocomplete) interaction.

    ``path`` is the command path as a user types it (``"legday top"``); ``options`` maps the
    leaf sub-command's option names to values (state objects are accepted for user, channel,
    role and mentionable options). With ``focused=(name, typed_text)`` the data is built for an
    autocomplete interaction.
    """
    names = path.strip().lstrip("/").split()
    if not names:
        raise CommandError("empty command path")
    cmd = find_command(emu, channel, names[0])
    if check_permissions and not _member_can_use(emu, cmd, user, channel):
        raise CommandError(
            f"{user!r} may not use /{cmd.name}: default_member_permissions="
            f"{cmd.raw.get('default_member_permissions')} (Discord would hide it)"
        )
    if channel.guild_id is None and cmd.raw.get("dm_permission") is False:
        raise CommandError(f"/{cmd.name} is not available in DMs")
    resolver = _Resolver(emu, channel)
    level = cmd.options
    walked = [cmd.name]
    chain: list[JSON] = []
    for name in names[1:]:
        match = next(
            (
                o
                for o in level
                if o.get("name") == name and o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if match is None:
            subs = [o["name"] for o in level if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            raise CommandError(f"/{' '.join(walked)} has no sub-command {name!r} (has: {subs})")
        walked.append(name)
        node: JSON = {"type": match["type"], "name": name, "options": []}
        chain.append(node)
        level = list(match.get("options") or [])
    if any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in level):
        subs = [o["name"] for o in level]
        raise CommandError(f"/{' '.join(walked)} needs a sub-command (one of {subs})")
    where = "/" + " ".join(walked)
    given = dict(options or {})
    leaf: list[JSON] = []
    known = {o["name"]: o for o in level}
    for key in given:
        if key not in known:
            raise CommandError(f"{where} has no option {key!r} (options: {list(known)})")
    if focused is not None and focused[0] not in known:
        raise CommandError(f"{where} has no option {focused[0]!r} (options: {list(known)})")
    for opt in level:
        name = opt["name"]
        if focused is not None and name == focused[0]:
            if not opt.get("autocomplete"):
                raise CommandError(f"{where} option {name!r} does not use autocomplete")
            leaf.append({"type": opt["type"], "name": name, "value": focused[1], "focused": True})
            continue
        if name not in given or given[name] is None:
            if opt.get("required") and focused is None:
                raise CommandError(f"{where}: required option {name!r} missing")
            continue
        value = _convert(resolver, opt, given[name], where)
        leaf.append({"type": opt["type"], "name": name, "value": value})
    if chain:
        chain[-1]["options"] = leaf
        for parent, child in itertools.pairwise(chain):
            parent["options"] = [child]
        top: list[JSON] = [chain[0]]
    else:
        top = leaf
    data: JSON = {"id": str(cmd.id), "name": cmd.name, "type": cmd.type, "options": top}
    if cmd.guild_id is not None:
        data["guild_id"] = str(cmd.guild_id)
    if resolver.resolved:
        data["resolved"] = resolver.resolved
    return cmd, data
