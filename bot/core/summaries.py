"""Paper + summary for an arXiv id: from the cache when we have it, else fetched and summarized once."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cachetools import LRUCache, TTLCache

from bot.core.messages import Action, ActionKind, PaperCard
from papers.code_links import find_code_url
from papers.fulltext import NOTE_PREFIX, FullText, FullTextSource
from papers.models import ArxivId, Paper
from papers.sections import estimate_tokens
from papers.source import ArxivSource
from storage.repository import Repository
from summarizer.base import Summarizer
from summarizer.extractive import ExtractiveSummarizer
from summarizer.lanes import Promotion, current_lane, promotable
from summarizer.prompts import PROMPT_VERSION, system_prompt, user_prompt
from summarizer.schema import Summary

log = logging.getLogger(__name__)

FALLBACK_TTL_S = 30 * 60  # how long a fallback card is reused before the model is asked again
# What a summary was written from, best first; part of the cache key, so a summary written
# from the abstract is replaced once the full text can be read.
SOURCES = ("html", "pdf", "abstract")
_FALLBACKS_KEPT = 2048  # fallback cards kept while the model fails (bounded memory)
MIN_EXCERPT_TOKENS = 500  # a budget set too low still sends some of the body
# Finished cards shared by every chat that gets the paper in that language (a digest to 10,000
# chats decodes each summary once, not once per chat), and versioned papers' metadata.
_CARDS_KEPT = 2048
_PAPERS_KEPT = 4096


class PaperSummaries:
    """The one path to a summarized paper, shared by /summarize, links in chat and digests.

    Each (paper version, language, backend, prompt version, input source) is summarized once:
    later requests read the cache, and concurrent requests for the same key wait for the one in
    flight. Model backends read the paper's full text (``fulltext``); a summary written from
    the abstract only because arXiv could not give the full text right now is not stored, so
    the next request upgrades it.
    """

    def __init__(
        self,
        repo: Repository,
        source: ArxivSource,
        summarizer: Summarizer,
        *,
        metadata_ttl: timedelta = timedelta(hours=6),
        fallback_ttl_s: float = FALLBACK_TTL_S,
        fulltext: FullTextSource | None = None,
        input_tokens: int = 6000,
        card_actions: tuple[ActionKind, ...] = (),
    ) -> None:
        self._card_actions = card_actions
        self._fulltext = fulltext if summarizer.name != "extractive" else None
        self._input_tokens = input_tokens
        self._fallback_ttl_s = fallback_ttl_s
        self._repo = repo
        self._source = source
        self._summarizer = summarizer
        self._metadata_ttl = metadata_ttl
        self._quick: Summarizer = ExtractiveSummarizer()
        self._cards: LRUCache[tuple[str, str], PaperCard] = LRUCache(maxsize=_CARDS_KEPT)
        self._papers: LRUCache[str, Paper] = LRUCache(maxsize=_PAPERS_KEPT)
        self._in_flight: dict[tuple[str, str], asyncio.Future[PaperCard]] = {}
        # Work in flight that a reader can move to the interactive lane (summarizer.lanes).
        self._promotions: dict[tuple[str, str], Promotion] = {}
        # Fallback (extractive) cards are not stored, so the model gets another chance later;
        # but while it is down, every chat asking for the paper must not call it again.
        self._fallbacks: TTLCache[tuple[str, str], tuple[float, PaperCard]] = TTLCache(
            maxsize=_FALLBACKS_KEPT, ttl=max(fallback_ttl_s, 1.0))

    @property
    def backend(self) -> str:
        """The configured summarizer's name ("gemini", "extractive", …)."""
        return self._summarizer.name

    def in_flight(self, paper: Paper, language: str) -> bool:
        """Whether this paper's summary in this language is being written right now."""
        return (paper.versioned_id, language) in self._in_flight

    def model_wait_s(self) -> float:
        """How long a new interactive request would wait for the model right now (0: at once)."""
        return self._summarizer.estimated_wait_s()

    async def quick_card(self, paper: Paper, language: str) -> PaperCard:
        """An extractive card from the abstract, marked provisional: what someone sees at once
        while the model's summary is still on its way (it is never stored)."""
        summary = await self._quick.summarize(paper, paper.abstract, language)
        summary = summary.model_copy(update={"source": "abstract", "source_note": None})
        return replace(self._card(paper, summary, cached=False), provisional=True)

    async def paper(self, ref: ArxivId) -> Paper:
        """Metadata for ``ref``: stored when fresh enough (a versioned id never changes)."""
        if ref.version is not None and (known := self._papers.get(str(ref))) is not None:
            return known
        stored = self._repo.get_paper(ref.base, ref.version)
        if stored is not None:
            paper, fetched_at = stored
            if ref.version is not None:
                self._papers[str(ref)] = paper
                return paper
            if datetime.now(UTC) - fetched_at < self._metadata_ttl:
                return paper
        paper = await self._source.get(ref)
        if stored is not None and paper.license is None and stored[0].license is not None:
            paper = replace(paper, license=stored[0].license)  # the API has no licence field
        self._repo.save_paper(paper)
        return paper

    def cached_card(self, paper: Paper, language: str) -> PaperCard | None:
        """The stored summary of this paper version in this language, if any (or a recent
        fallback, while the model is failing)."""
        shared = self._cards.get((paper.versioned_id, language))
        if shared is not None:
            return shared
        for source in SOURCES:
            summary = self._repo.get_summary(
                paper.arxiv_id, paper.version, language, self._summarizer.name,
                _cache_key(source),
            )
            if summary is not None:
                card = self._cards[(paper.versioned_id, language)] = self._card(paper, summary, cached=True)
                return card
        fallback = self._fallbacks.get((paper.versioned_id, language))
        if fallback is not None and fallback[0] > time.monotonic():
            return self._card(paper, fallback[1].summary, cached=True)
        return None

    async def card(self, ref: ArxivId, language: str) -> PaperCard:
        """A card for ``ref`` in ``language``; raises PapersError when arXiv cannot provide it."""
        paper = await self.paper(ref)
        cached = self.cached_card(paper, language)
        if cached is not None:
            return cached
        key = (paper.versioned_id, language)
        running = self._in_flight.get(key)
        if running is not None:
            if current_lane() == "interactive":  # a digest is writing it: someone waits now
                self._promotions[key].promote()
            return await asyncio.shield(running)
        future: asyncio.Future[PaperCard] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        self._promotions[key] = promotion = Promotion()
        try:
            with promotable(promotion):
                card = await self._summarize(paper, language)
            future.set_result(card)
            return card
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters, if any, get it; nobody else must
            raise
        finally:
            del self._in_flight[key]
            del self._promotions[key]

    async def _summarize(self, paper: Paper, language: str) -> PaperCard:
        started = datetime.now(UTC)
        text = await self._read(paper)
        if paper.code_url is None and text.links:
            # A repository named in the body or a footnote (the references are not in links).
            code = find_code_url(*text.links)
            if code is not None:
                paper = replace(paper, code_url=code)
                self._repo.save_paper(paper)
                self._papers[paper.versioned_id] = paper
        summary = await self._summarizer.summarize(
            paper,
            await asyncio.to_thread(  # a long page takes a moment: not in the event loop
                text.excerpt, excerpt_budget(paper, text, language, self._input_tokens))
            or paper.abstract,
            language, front_matter=text.front_matter,
        )
        fallback = summary.backend != self._summarizer.name  # extractive: reads the abstract
        summary = summary.model_copy(update={
            "source": "abstract" if fallback else text.source,
            "source_note": None if fallback else (text.note or "").removeprefix(NOTE_PREFIX) or None,
        })
        if summary.backend == self._summarizer.name and text.final:
            self._repo.save_summary(paper, summary, _cache_key(text.source))
            self._cards[(paper.versioned_id, language)] = self._card(paper, summary, cached=True)
        else:  # a fallback, or arXiv could not give the full text now: retried after a while
            if summary.backend != self._summarizer.name:
                log.warning("%s: %s fell back to %s", paper.versioned_id, self._summarizer.name,
                            summary.backend)
            card = self._card(paper, summary, cached=False)
            self._fallbacks[(paper.versioned_id, language)] = (time.monotonic() + self._fallback_ttl_s, card)
            return card
        log.info(
            "summarized %s in %s with %s from the %s in %.1fs",
            paper.versioned_id,
            language,
            summary.backend,
            text.source,
            (datetime.now(UTC) - started).total_seconds(),
        )
        return self._card(paper, summary, cached=False)

    def _card(self, paper: Paper, summary: Summary, *, cached: bool) -> PaperCard:
        actions = tuple(Action(kind, paper.versioned_id) for kind in self._card_actions)
        return PaperCard(paper, summary, cached=cached, actions=actions)

    async def _read(self, paper: Paper) -> FullText:
        """The paper's full text for the model, or the abstract (extractive: always)."""
        if self._fulltext is None:
            return FullText("abstract")
        return await self._fulltext.get(paper)


def excerpt_budget(paper: Paper, text: FullText, language: str, input_tokens: int) -> int:
    """The excerpt's share of ``fulltext.input_tokens``, which bounds the whole prompt: what the
    instructions, the abstract and the front matter take is left out of it."""
    frame = system_prompt(language) + user_prompt(paper, "", front_matter=text.front_matter)
    return max(MIN_EXCERPT_TOKENS, input_tokens - estimate_tokens(frame))


def _cache_key(source: str) -> str:
    """The prompt-version column of the cache: the prompt and what the model read."""
    return f"{PROMPT_VERSION}/{source}"
