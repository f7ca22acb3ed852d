"""The database schema, as an append-only list of steps (sqlite-utils ``Migrations``).

Each step is one function; a schema change is a new function at the end, never an edit to an
old one (an applied step is recorded by name in ``_sqlite_migrations`` and never runs again).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("paperboy")


@migrations()
def m001_papers(db: Database) -> None:
    """Paper metadata, one row per arXiv version; authors and categories as JSON arrays."""
    db.table("papers").create(
        {
            "arxiv_id": str,
            "version": int,
            "title": str,
            "authors": str,
            "abstract": str,
            "published": str,
            "updated": str,
            "primary_category": str,
            "categories": str,
            "comment": str,
            "journal_ref": str,
            "doi": str,
            "code_url": str,
            "license": str,
            "fetched_at": str,
        },
        pk=("arxiv_id", "version"),
        not_null=["title", "authors", "abstract", "published", "updated", "fetched_at"],
    )


@migrations()
def m002_summaries(db: Database) -> None:
    """Summaries, cached by everything that changes their text."""
    db.table("summaries").create(
        {
            "arxiv_id": str,
            "version": int,
            "language": str,
            "backend": str,
            "prompt_version": str,
            "summary": str,
            "model": str,
            "created_at": str,
        },
        pk=("arxiv_id", "version", "language", "backend", "prompt_version"),
        not_null=["summary", "created_at"],
    )


@migrations()
def m003_chats(db: Database) -> None:
    """Chats and their settings (data, not config: each chat chooses its own)."""
    db.table("chats").create(
        {
            "platform": str,
            "chat_id": str,
            "language": str,
            "timezone": str,
            "delivery_time": str,
            "max_papers": int,
            "paused": int,
            "links_enabled": int,  # NULL: the platform's default
            "compact": int,
            "created_at": str,
            "updated_at": str,
            "active": int,
            "deactivated_reason": str,
        },
        pk=("platform", "chat_id"),
        not_null=[
            "language",
            "timezone",
            "delivery_time",
            "max_papers",
            "paused",
            "compact",
            "created_at",
            "updated_at",
            "active",
        ],
        defaults={"paused": 0, "compact": 0, "active": 1},
    )
    db.table("chats").create_index(["active"])


@migrations()
def m004_subscriptions(db: Database) -> None:
    """Topics per chat; one row per normalized query, reactivated rather than duplicated."""
    db.table("subscriptions").create(
        {
            "id": int,
            "platform": str,
            "chat_id": str,
            "kind": str,
            "query": str,
            "label": str,
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null=["platform", "chat_id", "kind", "query", "label", "active", "created_at"],
        defaults={"active": 1},
    )
    db.table("subscriptions").create_index(["platform", "chat_id", "query"], unique=True)


@migrations()
def m005_deliveries(db: Database) -> None:
    """What each chat already received: the unique index makes recording idempotent."""
    db.table("deliveries").create(
        {
            "id": int,
            "platform": str,
            "chat_id": str,
            "arxiv_id": str,
            "subscription_id": int,
            "delivered_at": str,
        },
        pk="id",
        not_null=["platform", "chat_id", "arxiv_id", "delivered_at"],
    )
    db.table("deliveries").create_index(["platform", "chat_id", "arxiv_id"], unique=True)


@migrations()
def m006_usage(db: Database) -> None:
    """Timestamps of rate-limited actions, counted over a sliding window and pruned."""
    db.table("usage").create(
        {"id": int, "key": str, "kind": str, "at": str},
        pk="id",
        not_null=["key", "kind", "at"],
    )
    db.table("usage").create_index(["key", "kind", "at"])


@migrations()
def m007_listings_and_digests(db: Database) -> None:
    """Fetched arXiv listings per announcement cycle, and each chat's planned/sent digests."""
    db.table("listings").create(
        {"key": str, "cycle": str, "fetched_at": str, "entries": str},
        pk=("key", "cycle"),
        not_null=["key", "cycle", "fetched_at", "entries"],
    )
    db.table("digests").create(
        {
            "id": int,
            "platform": str,
            "chat_id": str,
            "cycle": str,
            "due_at": str,
            "created_at": str,
            "items": str,
            "matched": int,
            "trigger": str,
            "header_sent_at": str,
            "completed_at": str,
            "attempts": int,
        },
        pk="id",
        defaults={"attempts": 0},
        not_null=["platform", "chat_id", "cycle", "due_at", "created_at", "items", "matched", "trigger"],
    )
    db.table("digests").create_index(["platform", "chat_id", "due_at"])


@migrations()
def m008_subscription_cross_lists(db: Database) -> None:
    """Per subscription: include papers cross-listed into its categories (on by default)."""
    db.table("subscriptions").add_column("cross_lists", int, not_null_default=1)


@migrations()
def m009_chat_due_times(db: Database) -> None:
    """Each chat's next digest time, so one tick a minute selects the due chats by index.

    ``next_due_at`` is NULL while a chat wants no digest; ``retry_due_at`` is the delivery time
    a pending retry serves. Existing rows are filled in by the scheduler at start-up (their
    local times need time-zone rules SQL does not have).
    """
    chats = db.table("chats")
    chats.add_column("next_due_at", str)
    chats.add_column("retry_due_at", str)
    chats.create_index(["active", "next_due_at"])


@migrations()
def m010_subscription_coverage(db: Database) -> None:
    """Per subscription: the latest arXiv cycle (mailing date) its matches were planned for, so
    a topic added after today's digest still gets today's papers in its first digest."""
    db.table("subscriptions").add_column("covered_cycle", str)


@migrations()
def m011_digest_parts(db: Database) -> None:
    """How far the send in progress got: a card can be several messages, and a digest that
    stops between them resumes from the first part not sent (``parts_of``: its first paper)."""
    digests = db.table("digests")
    digests.add_column("parts_of", str)
    digests.add_column("parts_sent", int, not_null_default=0)


@migrations()
def m012_digest_parts_total(db: Database) -> None:
    """How many messages the send in progress was rendered into: a resumed send skips the parts
    already out only if it still renders the same way."""
    db.table("digests").add_column("parts_total", int)
