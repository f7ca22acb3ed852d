"""Tests for the arXiv fake itself: the behaviour other tests rely on must be arXiv's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.fakes.arxiv_api import PDF_FIXTURES, ArxivFake


@pytest.fixture
def fake() -> Iterator[ArxivFake]:
    with ArxivFake() as running:
        yield running


def _ids(body: bytes) -> list[str]:
    return re.findall(r"<id>http://arxiv\.org/abs/([^<]+)</id>", body.decode())


def _total(body: bytes) -> int:
    match = re.search(r"<opensearch:totalResults>(\d+)<", body.decode())
    assert match is not None
    return int(match.group(1))


def test_id_lookup_resolves_latest_version_and_skips_unknown(fake: ArxivFake) -> None:
    """Unversioned ids give the latest version; unknown ids are absent; order is kept."""
    params = {"id_list": "2410.13726,2401.99999,2410.13726v1,hep-th/9901001", "max_results": "10"}
    reply = requests.get(fake.api_url, params=params, timeout=5)
    assert reply.status_code == 200
    assert _ids(reply.content) == ["2410.13726v2", "2410.13726v1"]
    assert _total(reply.content) == 2


def test_malformed_id_is_http_400_with_error_entry(fake: ArxivFake) -> None:
    """Like arXiv: HTTP 400 and an error entry naming the bad id."""
    for bad, reason in [
        ("abc", "incorrect id format for abc"),
        ("12x", "incorrect id format for 12x"),
    ]:
        reply = requests.get(fake.api_url, params={"id_list": bad}, timeout=5)
        assert reply.status_code == 400
        assert f"<summary>{reason}</summary>" in reply.text
        assert "https://arxiv.org/api/errors#" in reply.text


def test_search_fields_operators_and_paging(fake: ArxivFake) -> None:
    """cat/au/ti/date terms, AND/OR/ANDNOT, latest versions only, start/max_results paging."""

    def search(query: str, **extra: str) -> bytes:
        params = {"search_query": query, "sortBy": "submittedDate", **extra}
        reply = requests.get(fake.api_url, params=params, timeout=5)
        assert reply.status_code == 200
        return reply.content

    assert _ids(search("cat:cs.CV")) == ["2410.13726v2"]
    assert _ids(search("au:hanbo_cheng AND ti:avatar")) == ["2410.13726v2"]
    assert _ids(search("cat:cs.CV AND submittedDate:[202410170000 TO 202410172359]")) == [
        "2410.13726v2"
    ]
    assert _ids(search("cat:cs.CV AND submittedDate:[202410180000 TO 202410312359]")) == []
    # 2005.14124 is cross-listed in cs.CR
    assert _ids(search("cat:cs.CR OR cat:cs.IT")) == [
        "2104.12255v1",
        "2005.14124v2",
        "1707.08567v1",
    ]
    assert _ids(search("all:testing ANDNOT cat:cs.SE")) == ["1205.1866v1"]
    assert _ids(search('ti:"test case prioritisation"')) == ["2405.13786v1"]
    page = search("all:testing", start="8", max_results="5")
    assert (_total(page), len(_ids(page))) == (10, 2)


def test_scripted_failures_apply_in_order_then_stop(fake: ArxivFake) -> None:
    """fail_next then empty_next, then normal answers again; every request is logged."""
    fake.clear_requests()
    fake.fail_next(1, status=429, headers={"Retry-After": "3"})
    fake.empty_next(1)
    params = {"id_list": "2410.13726"}
    first = requests.get(fake.api_url, params=params, timeout=5)
    second = requests.get(fake.api_url, params=params, timeout=5)
    third = requests.get(fake.api_url, params=params, timeout=5)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "3")
    assert (_ids(second.content), _total(second.content)) == ([], 1)
    assert _ids(third.content) == ["2410.13726v2"]
    assert [r.params["id_list"] for r in fake.query_requests] == ["2410.13726"] * 3


def test_pdfs_are_served_by_versioned_and_unversioned_id(fake: ArxivFake) -> None:
    """/pdf/<id>, /pdf/<id>v<n> and /pdf/<id>v<n>.pdf give the fixture; others are 404."""
    expected = (PDF_FIXTURES / "2302.07302v1.pdf").read_bytes()
    for path in ["2302.07302v1", "2302.07302", "2302.07302v1.pdf"]:
        reply = requests.get(fake.pdf_url + path, timeout=5)
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == "application/pdf"
        assert reply.content == expected
    assert requests.get(fake.pdf_url + "2302.07302v9", timeout=5).status_code == 404
    fake.add_pdf("2410.13726v2", b"%PDF-1.4 tiny")
    assert requests.get(fake.pdf_url + "2410.13726", timeout=5).content == b"%PDF-1.4 tiny"


def test_fake_stops_cleanly_and_frees_its_port() -> None:
    """After the with block nothing listens on the port any more."""
    with ArxivFake(fixtures=False, dawn=False, pdfs=False) as fake:
        url = fake.api_url
        assert requests.get(url, params={"id_list": "2410.13726"}, timeout=5).status_code == 200
    try:
        requests.get(url, timeout=1)
    except requests.ConnectionError:
        return
    raise AssertionError("the fake still answers after stop()")
