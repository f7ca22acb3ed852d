"""Cue phrases that tell the extractive summarizer what an abstract sentence is about.

English only: arXiv abstracts are in English. Each pattern is a word prefix, case-insensitive.
"""

from __future__ import annotations

import re


def _cues(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")", re.IGNORECASE)


_WE = r"(?:we|in this (?:paper|article|work|study|note),? we)(?: also| further| then| first)?"
_DOING = (
    r"propose|present|introduce|develop|design|describe|build|construct|formulate|devise"
    r"|study|investigate|analy[sz]e|discuss|explore|examine|provide|perform|conduct|report"
    r"|review|survey|apply|extend|derive|prove|show how"
)
# Section cues: each hit adds one point to that role; a sentence takes its best role.
ROLE_CUES: dict[str, re.Pattern[str]] = {
    "method": _cues(
        rf"{_WE} (?:{_DOING})",
        r"th(?:is|e present) (?:paper|article|work|study|note) (?:propose|present|introduce"
        r"|develop|describe|discuss|stud|investigat|analy[sz]|explor|examin|provide|report)",
        r"our (?:method|approach|model|framework|system|algorithm|technique)",
        r"consists? of",
        r"framework",
        r"architecture",
        r"pipeline",
        r"specifically",
        r"modules?\b",
        r"leverag",
        r"components?\b",
    ),
    "prior": _cues(
        r"however",
        r"existing",
        r"previous",
        r"prior (?:work|art|method|approach)",
        r"suffer",
        r"limited\b",
        r"limitations? of (?:existing|current|previous|prior)",
        r"despite",
        r"although",
        r"remains? (?:challenging|unclear|open|difficult)",
        r"fail(?:s|ed)? to",
        r"lack(?:s|ing)?\b",
        r"drawbacks?",
        r"bottleneck",
        r"conventional",
        r"traditional",
        r"current (?:method|approach|model|system)s?",
        r"challenges?\b",
        r"challenging",
        r"difficult",
        r"struggle",
    ),
    "results": _cues(
        r"experiments?\b",
        r"experimental",
        r"outperform",
        r"state[- ]of[- ]the[- ]art (?:results|performance)",
        r"achiev(?:es|ing|ed)? (?:an? |the )?(?:state|new|competitive|best|higher|lower|strong"
        r"|significant|comparable|superior|\d)",
        r"SOTA",
        r"demonstrat",
        r"shows? that",
        r"we (?:evaluate|find|found|observe)",
        r"results (?:show|demonstrate|indicate|suggest|reveal)",
        r"benchmarks?",
        r"accuracy",
        r"improv(?:es|ed|ing|ements?) (?:by|over|on|of|upon)",
        r"surpass",
        r"speed-?up",
        r"\d+(?:\.\d+)?\s?%",
        r"\d+(?:\.\d+)?\s?[x×]\b",
        r"awarded",
        r"empirical",
    ),
    "significance": _cues(
        r"promis",
        r"impact",
        r"(?:great|significant|the) potential",
        r"potential (?:impact"
        r"|applications?|use|to)",
        r"we hope",
        r"highlight",
        r"paves? the way",
        r"opens? (?:up|new)",
        r"future (?:research|work|direction)",
        r"implications?",
        r"insights?\b",
        r"valuable",
        r"beneficial",
        r"broader",
        r"sparks?\b",
    ),
}
ROLE_ORDER = ("method", "prior", "results", "significance")  # tie-break, strongest first
STRENGTH = _cues(
    r"first\b",
    r"efficient",
    r"fast(?:er)?\b",
    r"real-time",
    r"robust",
    r"scalab",
    r"simple",
    r"novel",
    r"strong",
    r"high-quality",
    r"high\b",
    r"outperform",
    r"state[- ]of[- ]the[- ]art",
    r"superior",
    r"significantly",
    r"lightweight",
    r"generaliz",
    r"accurate",
    r"stable",
    r"precise",
    r"open-source",
)
OWN_LIMITATION = re.compile(
    r"\blimitations? (?:of (?:our|this|the proposed)|include)|\b(?:left|leave \w+) (?:for|to) "
    r"future work|\b(?:our|this|the proposed) (?:method|approach|model|work|study|analysis"
    r"|system)\b[^.]*\b(?:is limited|cannot|can not|does not|fails?|is restricted|only applies)",
    re.IGNORECASE,
)
CODE = re.compile(
    r"https?://|github|gitlab|\bcode (?:is|will be|are|and \w+ (?:are|will be))"
    r"|\bavailable at\b|project page",
    re.IGNORECASE,
)
HEADLINE = re.compile(
    rf"\b{_WE} (?:propose|present|introduce|develop|perform|conduct|provide|report|stud)"
    r"|\bth(?:is|e present) (?:paper|article|work) (?:propose|present|introduce|discuss|stud)",
    re.IGNORECASE,
)
