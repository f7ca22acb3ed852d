"""Find the code repository a paper names in its abstract or comments (PapersWithCode is gone)."""

from __future__ import annotations

import re

__all__ = ["find_code_url"]

# One regex per forge, each a host followed by path segments of a restricted character class:
# no nested repetition, so a long abstract costs one linear scan. Hugging Face (models, spaces,
# datasets) and project pages (*.github.io) are deliberately absent: they are not code.
_SEGMENT = r"[A-Za-z0-9_.\-]+"  # ASCII: forges allow nothing else in names
_START = r"(?<![\w.\-/@])"  # a host name starts here, not inside another host or URL path

_FORGE_RE = re.compile(
    rf"""
    {_START}
    (?: https?:// )?
    (?:
        (?: www\. )? (?P<github> github\.com )
            / (?P<gh_owner> [A-Za-z0-9\-]+ ) / (?P<gh_repo> {_SEGMENT} )
      | (?P<simple> (?: www\. )? (?: gitlab\.com | bitbucket\.org | codeberg\.org ) )
            / (?P<path> {_SEGMENT} (?: / {_SEGMENT} )* )
      | (?P<srht> git\.sr\.ht )
            / (?P<sr_owner> ~[A-Za-z0-9_.\-]+ ) / (?P<sr_repo> {_SEGMENT} )
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)

# github.com/<these>/... are site pages, not repositories.
_GITHUB_RESERVED = frozenset(
    {
        "about", "apps", "collections", "enterprise", "events", "explore", "features", "issues",
        "login", "marketplace", "notifications", "orgs", "pricing", "pulls", "search",
        "settings", "site", "sponsors", "topics", "trending", "users",
    }
)  # fmt: skip
# gitlab.com/group/project/tree/main and /-/blob/...: the project path ends before these.
_GITLAB_ROUTES = frozenset(
    {
        "-",
        "tree",
        "blob",
        "raw",
        "commits",
        "commit",
        "issues",
        "merge_requests",
        "wikis",
        "releases",
    }
)


def find_code_url(*texts: str | None) -> str | None:
    """The first code repository URL in these texts (abstract, then comments), normalised."""
    for text in texts:
        if not text:
            continue
        for match in _FORGE_RE.finditer(text):
            url = _normalise(match)
            if url is not None:
                return url
    return None


def _normalise(match: re.Match[str]) -> str | None:
    """``https://host/owner/repo`` without ``.git``, sub-pages or sentence punctuation."""
    if match.group("github"):
        owner, repo = match.group("gh_owner"), _clean(match.group("gh_repo"))
        if owner.lower() in _GITHUB_RESERVED or not repo:
            return None
        return f"https://github.com/{owner}/{repo}"
    if match.group("srht"):
        repo = _clean(match.group("sr_repo"))
        return f"https://git.sr.ht/{match.group('sr_owner')}/{repo}" if repo else None
    host = match.group("simple").lower().removeprefix("www.")
    segments = match.group("path").split("/")
    if host == "gitlab.com":
        # GitLab groups nest (group/subgroup/project); the project ends at the first route.
        for i, segment in enumerate(segments):
            if segment in _GITLAB_ROUTES:
                segments = segments[:i]
                break
    else:
        segments = segments[:2]
    segments = [s for s in (segments[:-1] + [_clean(segments[-1])] if segments else []) if s]
    if len(segments) < 2:
        return None  # a user or group page, not a repository
    return f"https://{host}/" + "/".join(segments)


def _clean(segment: str) -> str:
    """Strip what ends a sentence (``repo.``) and the ``.git`` clone suffix."""
    segment = segment.rstrip(".")
    if segment.lower().endswith(".git"):
        segment = segment[: -len(".git")]
    return segment.rstrip(".")
