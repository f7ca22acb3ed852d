"""Tests for papers.code_links: the repository link a paper card shows."""

from __future__ import annotations

import pytest

from papers.code_links import find_code_url
from tests.fakes.arxiv_api import DAWN_ABSTRACT, DAWN_CODE_URL


def test_dawn_abstract_names_its_repository() -> None:
    """The sentence-final period of the DAWN abstract is not part of the URL."""
    assert DAWN_ABSTRACT.endswith("https://github.com/Hanbo-Cheng/DAWN-pytorch.")
    assert find_code_url(DAWN_ABSTRACT) == DAWN_CODE_URL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Code: https://github.com/owner/repo", "https://github.com/owner/repo"),
        ("Code: http://github.com/owner/repo/", "https://github.com/owner/repo"),
        ("(see https://github.com/owner/repo).", "https://github.com/owner/repo"),
        ("at https://github.com/owner/repo, and", "https://github.com/owner/repo"),
        ("clone https://github.com/owner/repo.git", "https://github.com/owner/repo"),
        ("clone https://github.com/owner/repo.git.", "https://github.com/owner/repo"),
        ("https://github.com/owner/repo/tree/main/src", "https://github.com/owner/repo"),
        ("https://github.com/owner/repo#readme", "https://github.com/owner/repo"),
        ("https://github.com/owner/repo?tab=readme", "https://github.com/owner/repo"),
        ("www.github.com/Owner-1/my_repo.v2", "https://github.com/Owner-1/my_repo.v2"),
        ("github.com/owner/repo; more", "https://github.com/owner/repo"),
        ("\\url{https://github.com/owner/repo}", "https://github.com/owner/repo"),
        ("available at https://github.com/owner/repo。", "https://github.com/owner/repo"),
        ("https://gitlab.com/group/project", "https://gitlab.com/group/project"),
        (
            "https://gitlab.com/group/sub/project/-/tree/main.",
            "https://gitlab.com/group/sub/project",
        ),
        ("https://gitlab.com/group/project.git)", "https://gitlab.com/group/project"),
        ("https://bitbucket.org/team/repo/src/master/", "https://bitbucket.org/team/repo"),
        ("https://codeberg.org/user/repo.", "https://codeberg.org/user/repo"),
        ("https://git.sr.ht/~user/repo/tree", "https://git.sr.ht/~user/repo"),
    ],
)
def test_repository_urls_are_normalised(text: str, expected: str) -> None:
    """Each forge's URL comes back as https://host/owner/repo, without punctuation or .git."""
    assert find_code_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Demo: https://huggingface.co/spaces/owner/demo",
        "Weights: https://huggingface.co/owner/model",
        "Project page: https://owner.github.io/project/",
        "Follow https://github.com/owner for updates",  # a user, not a repository
        "https://github.com/orgs/owner/repositories",
        "https://github.com/features/copilot",
        "https://gitlab.com/group",
        "no links at all",
        "",
    ],
)
def test_non_code_links_are_not_repositories(text: str) -> None:
    """Model hubs, project pages and user pages are not shown as code."""
    assert find_code_url(text) is None


def test_first_repository_wins_abstract_before_comments() -> None:
    """The abstract is searched before the comments, and within a text the first URL wins."""
    abstract = "See https://huggingface.co/spaces/a/b and https://github.com/first/repo."
    comment = "Code at https://github.com/second/repo"
    assert find_code_url(abstract, comment) == "https://github.com/first/repo"
    assert find_code_url("no code here", comment) == "https://github.com/second/repo"
    assert find_code_url(None, "", comment) == "https://github.com/second/repo"
    assert find_code_url() is None
    assert find_code_url(None, None) is None
