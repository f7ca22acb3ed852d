"""arXiv licences: normalise the URIs arXiv records; decide if a paper's figures may be reposted.

arXiv stores a licence as a URI (``http://creativecommons.org/licenses/by/4.0/``; the listing
feed's ``dc:rights``, OAI-PMH ``<license>``, the abstract page's ``abs-license`` link), or nothing
when none was recorded, which means arXiv's assumed licence. The forms seen in the wild differ in
scheme (http/https), ``www.``, case, a trailing slash, a ``legalcode`` / ``deed.xx`` suffix; arXiv's
newer HTML pages also print a label ("License: CC BY 4.0"). :func:`parse_licence` accepts all these.

Repost rule (issue 8, ``figures.policy = licensed``): figures are posted in the chat when the
licence allows redistribution with attribution:

* CC BY, CC BY-SA, CC0, the retired CC "publicdomain" dedication and the public-domain mark: yes;
* CC BY-ND: yes (a figure shared unchanged, in part, downscaled, is not an adaptation under CC 4.0);
* CC BY-NC, BY-NC-SA, BY-NC-ND: only for a non-commercial deployment (``commercial=False``);
* arXiv's non-exclusive distribution licence, the assumed 1991-2003 licence, anything unrecognised,
  and no licence at all: no (the card links to the figures on arXiv instead).

Any CC version counts (1.0 to 4.0; arXiv's retired 3.0 licences map to their 4.0 equivalents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Licence", "licence_label", "may_repost", "normalise_licence_uri", "parse_licence"]

# The CC licence elements arXiv (and CC) use, in CC's canonical order.
_CC_CODES = frozenset({"by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd"})

_CC_URI_RE = re.compile(
    r"""^(?:https?://)?(?:www\.)?creativecommons\.org/
        (?:
            licenses/(?P<code>[a-z\-]+)(?:/(?P<version>\d+(?:\.\d+)?))?
          | publicdomain/(?P<pd>zero|mark)(?:/(?P<pd_version>\d+(?:\.\d+)?))?
        )
        (?:/[a-z]{2}(?:[_-][a-z]{2})?)?                # a jurisdiction port: /3.0/us/
        (?:/(?:legalcode|deed)(?:\.[a-z\-_]+)?)?       # /legalcode, /deed.en, /legalcode.de
        /*$""",
    re.VERBOSE,
)
_ARXIV_URI_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:export\.)?arxiv\.org/licenses/"
    r"(?P<name>nonexclusive-distrib|assumed-1991-2003)(?:/(?P<version>\d+(?:\.\d+)?))?/*$"
)
# A printed label: "CC BY 4.0", "CC-BY-NC-SA-4.0", "License: CC BY 4.0", "CC0 1.0".
_CC_LABEL_RE = re.compile(
    r"^(?:licen[cs]e:\s*)?cc[\s\-]?(?P<code>0|by(?:[\s\-]nc)?(?:[\s\-](?:sa|nd))?)"
    r"(?:[\s\-]+(?P<version>\d+(?:\.\d+)?))?(?:\s+international)?$"
)


@dataclass(frozen=True, slots=True)
class Licence:
    """A recognised licence: ``uri`` is canonical (https, trailing slash), ``label`` for people."""

    uri: str
    label: str
    kind: str  # "cc" | "cc0" | "public-domain" | "arxiv"
    code: str = ""  # CC elements: "by", "by-nc-sa", ... ("" unless kind == "cc")
    version: str = ""

    @property
    def non_commercial(self) -> bool:
        """True for the CC NonCommercial licences."""
        return "-nc" in self.code

    def may_repost(self, *, commercial: bool = False) -> bool:
        """Whether figures under this licence may be posted (see the module docstring)."""
        if self.kind in ("cc0", "public-domain"):
            return True
        if self.kind != "cc":
            return False
        return not (self.non_commercial and commercial)


def normalise_licence_uri(uri: str | None) -> str | None:
    """The canonical form of a licence URI or label (``https://…/by/4.0/``), or None."""
    licence = parse_licence(uri)
    return licence.uri if licence else None


def parse_licence(uri: str | None) -> Licence | None:
    """Recognise a licence URI (any scheme, case, suffix) or a printed label; None otherwise."""
    if not uri:
        return None
    text = re.sub(r"\s+", " ", uri.strip().lower())
    if m := _CC_URI_RE.match(text):
        if m["pd"]:
            return _public_domain(m["pd"], m["pd_version"] or "1.0")
        code, version = m["code"], m["version"] or ""
        if code == "publicdomain":  # the retired CC public-domain dedication (arXiv maps it to CC0)
            return Licence(
                "https://creativecommons.org/licenses/publicdomain/",
                "Public domain",
                "public-domain",
            )
        return _cc(code, version)
    if m := _ARXIV_URI_RE.match(text):
        if m["name"] == "nonexclusive-distrib":
            version = m["version"] or "1.0"
            return Licence(
                f"https://arxiv.org/licenses/nonexclusive-distrib/{version}/",
                "arXiv non-exclusive licence",
                "arxiv",
                version=version,
            )
        return Licence(
            "https://arxiv.org/licenses/assumed-1991-2003/", "arXiv assumed licence", "arxiv"
        )
    if m := _CC_LABEL_RE.match(text):
        code = re.sub(r"[\s\-]+", "-", m["code"])
        if code == "0":
            return _public_domain("zero", m["version"] or "1.0")
        return _cc(code, m["version"] or "")
    return None


def may_repost(uri: str | None, *, commercial: bool = False) -> bool:
    """Whether a paper under this licence may have its figures posted in a chat.

    ``commercial`` says whether the deployment is commercial (then NonCommercial licences do not
    allow it). Unknown, unrecognised and absent licences never allow it.
    """
    licence = parse_licence(uri)
    return licence is not None and licence.may_repost(commercial=commercial)


def licence_label(uri: str | None) -> str | None:
    """A short label for people ("CC BY 4.0", "arXiv non-exclusive licence"); None if unknown."""
    licence = parse_licence(uri)
    return licence.label if licence else None


def _cc(code: str, version: str) -> Licence | None:
    if code not in _CC_CODES:
        return None
    path = f"licenses/{code}/" + (f"{version}/" if version else "")
    label = "CC " + code.upper() + (f" {version}" if version else "")
    return Licence(f"https://creativecommons.org/{path}", label, "cc", code, version)


def _public_domain(which: str, version: str) -> Licence:
    if which == "zero":
        return Licence(
            f"https://creativecommons.org/publicdomain/zero/{version}/",
            f"CC0 {version}",
            "cc0",
            version=version,
        )
    return Licence(
        f"https://creativecommons.org/publicdomain/mark/{version}/",
        "Public domain",
        "public-domain",
        version=version,
    )
