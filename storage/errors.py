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
