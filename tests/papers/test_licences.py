"""The licence gate: every URI form arXiv records (FACTS §8), normalised, labelled, and judged."""

from __future__ import annotations

import pytest

from papers.licences import licence_label, may_repost, normalise_licence_uri, parse_licence

ARXIV = "arXiv non-exclusive licence"
# (URI as arXiv stores it, label, repost when commercial, repost when non-commercial); the
# canonical URI is the same with https.
ARXIV_LICENCES = [
    ("http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0", True, True),
    ("http://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0", True, True),
    ("http://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA 4.0", False, True),
    ("http://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0", False, True),
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0", True, True),
    ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", ARXIV, False, False),
    ("http://arxiv.org/licenses/assumed-1991-2003/", "arXiv assumed licence", False, False),
    # retired, still on old papers (arXiv maps them to by/4.0, by-nc-sa/4.0 and CC0)
    ("http://creativecommons.org/licenses/by/3.0/", "CC BY 3.0", True, True),
    ("http://creativecommons.org/licenses/by-nc-sa/3.0/", "CC BY-NC-SA 3.0", False, True),
    ("http://creativecommons.org/licenses/publicdomain/", "Public domain", True, True),
]  # fmt: skip
FIELDS = ("uri", "label", "commercial", "non_commercial")


@pytest.mark.parametrize(FIELDS, ARXIV_LICENCES)
def test_every_arxiv_licence(uri: str, label: str, commercial: bool, non_commercial: bool) -> None:
    canonical = "https://" + uri.removeprefix("http://")
    assert normalise_licence_uri(uri) == canonical
    assert licence_label(uri) == label
    assert may_repost(uri, commercial=True) is commercial
    assert may_repost(uri, commercial=False) is non_commercial
    assert may_repost(uri) is non_commercial  # the default is a non-commercial deployment


@pytest.mark.parametrize(FIELDS, ARXIV_LICENCES)
def test_spelling_variants_normalise_alike(
    uri: str, label: str, commercial: bool, non_commercial: bool
) -> None:
    """https, no or several trailing slashes, www., case, spaces, legalcode / deed suffixes."""
    canonical = "https://" + uri.removeprefix("http://")
    bare = uri.removeprefix("http://").rstrip("/")
    variants = [
        "https://" + bare + "/",
        "http://" + bare,
        "https://" + bare + "//",
        "https://www." + bare,
        "  " + uri.upper() + "\n",
        bare,
    ]
    if "creativecommons.org/licenses/by" in uri:
        variants += [
            uri + "legalcode",
            uri + "deed.en",
            uri + "legalcode.de",
            canonical + "deed.zh-hans",
        ]
    for variant in variants:
        assert normalise_licence_uri(variant) == canonical, variant
        assert licence_label(variant) == label, variant
        assert may_repost(variant, commercial=True) is commercial, variant


@pytest.mark.parametrize(
    ("text", "label", "commercial", "non_commercial"),
    [
        ("CC BY 4.0", "CC BY 4.0", True, True),
        ("License: CC BY 4.0", "CC BY 4.0", True, True),  # arXiv HTML pages since Feb 2026
        ("CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0", False, True),  # SPDX style
        ("cc by-sa 4.0 international", "CC BY-SA 4.0", True, True),
        ("CC0 1.0", "CC0 1.0", True, True),
        ("CC BY-NC-ND 4.0", "CC BY-NC-ND 4.0", False, True),
    ],
)
def test_printed_labels_are_recognised(
    text: str, label: str, commercial: bool, non_commercial: bool
) -> None:
    assert licence_label(text) == label
    assert may_repost(text, commercial=True) is commercial
    assert may_repost(text, commercial=False) is non_commercial


def test_other_cc_versions_and_elements() -> None:
    assert licence_label("http://creativecommons.org/licenses/by/2.0/") == "CC BY 2.0"
    assert may_repost("http://creativecommons.org/licenses/by/2.5/", commercial=True)
    assert licence_label("https://creativecommons.org/licenses/by-nc/4.0/") == "CC BY-NC 4.0"
    assert not may_repost("https://creativecommons.org/licenses/by-nc/4.0/", commercial=True)
    # ND: a figure posted whole and unchanged is sharing, not adapting
    assert may_repost("https://creativecommons.org/licenses/by-nd/4.0/", commercial=True)
    # a jurisdiction port
    assert normalise_licence_uri("http://creativecommons.org/licenses/by/3.0/us/") == (
        "https://creativecommons.org/licenses/by/3.0/"
    )
    assert licence_label("https://creativecommons.org/publicdomain/mark/1.0/") == "Public domain"
    assert may_repost("https://creativecommons.org/publicdomain/mark/1.0/", commercial=True)


@pytest.mark.parametrize(
    "uri",
    [
        None,
        "",
        "   ",
        "unknown",
        "http://example.com/licenses/by/4.0/",
        "https://creativecommons.org/licenses/by-xx/4.0/",
        "https://creativecommons.org/licenses/",
        "https://creativecommons.org/licenses/by/4.0/../../evil",
        "http://creativecommons.org.evil.example/licenses/by/4.0/",
        "https://arxiv.org/licenses/other/1.0/",
        "All rights reserved",
    ],
)
def test_unknown_or_missing_licences_never_allow_reposting(uri: str | None) -> None:
    assert parse_licence(uri) is None
    assert normalise_licence_uri(uri) is None
    assert licence_label(uri) is None
    assert may_repost(uri) is False
    assert may_repost(uri, commercial=True) is False


def test_licence_value() -> None:
    licence = parse_licence("http://creativecommons.org/licenses/by-nc-sa/4.0/")
    assert licence is not None
    assert (licence.kind, licence.code, licence.version) == ("cc", "by-nc-sa", "4.0")
    assert licence.non_commercial
    assert licence.may_repost() and not licence.may_repost(commercial=True)
