"""arXiv out of reach (nothing listening, DNS, proxy) is told apart from arXiv answering with an
error, and fails fast: one retry, not the whole backoff ladder."""

from __future__ import annotations

import socket

import pytest

from papers.errors import ArxivUnavailable
from papers.models import ArxivId
from tests.fakes.arxiv_api import ArxivFake
from tests.papers.conftest import MakeSource


async def test_nothing_listening_is_unreachable_after_one_retry(make_source: MakeSource) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = make_source(api_url=f"http://127.0.0.1:{port}/api/query", retries=5)
    with pytest.raises(ArxivUnavailable) as caught:
        await source.get(ArxivId("2410.13726"))
    assert caught.value.unreachable and "(2 attempts)" in str(caught.value)


async def test_an_error_from_arxiv_is_not_unreachable(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.fail_next(5, status=503)
    source = make_source(retries=1)
    with pytest.raises(ArxivUnavailable) as caught:
        await source.get(ArxivId("2410.13726"))
    assert not caught.value.unreachable and "HTTP 503" in str(caught.value)
