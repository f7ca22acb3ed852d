"""Realistic Bot API JSON for the fake: users, chats, incoming messages, callbacks, membership."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.telegram_entities import detect_entities

JSON = dict[str, Any]


def now() -> int:
    """Unix time, as Telegram puts in every ``date``."""
    return int(time.time())


def default_chat_type(chat_id: int) -> str:
    """Positive ids are users; ``-100…`` ids are supergroups; other negative ids basic groups."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def user_json(user_id: int, *, username: str | None = None, first_name: str = "Ada") -> JSON:
    """A human ``User`` object."""
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        user["username"] = username
    return user


def chat_json(
    chat_id: int, chat_type: str, *, title: str | None = None, user: JSON | None = None
) -> JSON:
    """A ``Chat`` object: private chats carry the user's names, groups a title."""
    chat: JSON = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        user = user or user_json(chat_id)
        chat["first_name"] = user["first_name"]
        if "username" in user:
            chat["username"] = user["username"]
    else:
        chat["title"] = title or f"Test group {abs(chat_id)}"
    return chat


def full_chat_json(chat: JSON) -> JSON:
    """A ``ChatFullInfo`` (getChat) built from a ``Chat``: the fields PTB 22 requires."""
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
         "gifts_from_channels"),
        True,
    )  # fmt: skip
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def text_message(
    message_id: int, chat: JSON, sender: JSON, text: str, reply_to: JSON | None = None
) -> JSON:
    """An incoming text ``Message`` with the entities Telegram would detect."""
    message: JSON = {
        "message_id": message_id,
        "date": now(),
        "chat": chat,
        "from": sender,
        "text": text,
    }
    entities = detect_entities(text)
    if entities:
        message["entities"] = entities
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages",
)  # fmt: skip


def member_json(user: JSON, status: str) -> JSON:
    """A ``ChatMember`` of the given status with the fields PTB requires for it."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def my_chat_member(chat: JSON, sender: JSON, bot: JSON, old: str, new: str) -> JSON:
    """The ``my_chat_member`` payload: the bot's own status in a chat changed."""
    return {
        "chat": chat,
        "from": sender,
        "date": now(),
        "old_chat_member": member_json(bot, old),
        "new_chat_member": member_json(bot, new),
    }
