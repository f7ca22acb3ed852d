"""Errors of the storage package: callers catch these, never sqlite3's."""

from __future__ import annotations


class StorageError(Exception):
    """Base class: the database could not be opened, read or written."""


class WrongThread(StorageError):
    """The Repository was used from a thread other than the one that opened it."""


class RepositoryClosed(StorageError):
    """The Repository was used after ``close()``."""


class ChatNotFound(StorageError):
    """An operation needs a chat that was never stored (call ``ensure_chat`` first)."""


class InvalidSetting(StorageError, ValueError):
    """A chat setting or subscription value is unknown or malformed; the message says which."""


class DatabaseDamaged(StorageError):
    """The database file is damaged (a corrupt page, a truncated file beside its WAL or backup).

    The message names the file and how to repair it; ``Repository.open_or_memory`` lets the bot
    start anyway on an in-memory database, so what needs no stored state (``/summarize``) works.
    """

    def __init__(self, path: object, detail: str) -> None:
        self.path = path
        self.detail = detail
        self.repair = repair_steps(path)
        super().__init__(f"the database {path} is damaged: {detail}. {self.repair}")


def repair_steps(path: object) -> str:
    """What an operator does about a damaged database (sqlite.org/recovery.html)."""
    return (
        f"To repair it, stop paperboy, keep a copy of the damaged file, then run "
        f"`sqlite3 '{path}' \".recover\" | sqlite3 '{path}.recovered'` and move "
        f"'{path}.recovered' into its place; or restore the file from a backup"
    )
