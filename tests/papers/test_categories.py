"""The arXiv taxonomy table: complete per archive, case-insensitive lookups, helpful hints."""

from __future__ import annotations

import re

import pytest

from papers.categories import (
    ALIASES,
    ARCHIVES_WITH_SUBJECTS,
    CATEGORIES,
    canonical_category,
    categories_in_archive,
    category_name,
    equivalent_categories,
    is_category,
    suggest_categories,
)

# Subject classes per archive on arXiv's taxonomy page (https://arxiv.org/category_taxonomy).
ARCHIVE_SIZES = {
    "cs": 40, "math": 32, "physics": 22, "astro-ph": 6, "cond-mat": 9, "nlin": 5,
    "q-bio": 10, "q-fin": 9, "stat": 6, "eess": 4, "econ": 3,
}  # fmt: skip
STANDALONE = {"gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th",
              "quant-ph"}  # fmt: skip


@pytest.mark.parametrize(("archive", "size"), ARCHIVE_SIZES.items())
def test_every_archive_has_all_its_subject_classes(archive: str, size: int) -> None:
    """No category of an archive is missing (a missing one could never be subscribed to)."""
    assert len(categories_in_archive(archive)) == size


def test_archives_without_subject_classes_are_categories() -> None:
    """hep-th, quant-ph and friends are categories in their own right."""
    assert {code for code in CATEGORIES if "." not in code} == STANDALONE
    assert set(ARCHIVE_SIZES) == set(ARCHIVES_WITH_SUBJECTS)


def test_codes_are_well_formed_and_named() -> None:
    """Every code is archive.SUBJECT (or a bare archive) and has a non-empty name."""
    pattern = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.(?:[A-Z]{2}|[a-z]+(?:-[a-z]+)?))?")
    for code, name in CATEGORIES.items():
        assert pattern.fullmatch(code), code
        assert name.strip() == name and name
    assert len({code.lower() for code in CATEGORIES}) == len(CATEGORIES)


@pytest.mark.parametrize(
    ("typed", "canonical", "name"),
    [
        ("cs.CV", "cs.CV", "Computer Vision and Pattern Recognition"),
        ("cs.cv", "cs.CV", "Computer Vision and Pattern Recognition"),
        (" CS.LG ", "cs.LG", "Machine Learning"),
        ("math.cv", "math.CV", "Complex Variables"),
        ("math.ag", "math.AG", "Algebraic Geometry"),
        ("HEP-TH", "hep-th", "High Energy Physics - Theory"),
        ("quant-ph", "quant-ph", "Quantum Physics"),
        ("cond-mat.Stat-Mech", "cond-mat.stat-mech", "Statistical Mechanics"),
        ("physics.optics", "physics.optics", "Optics"),
        ("q-bio.nc", "q-bio.NC", "Neurons and Cognition"),
        ("q-fin.st", "q-fin.ST", "Statistical Finance"),
        ("stat.ml", "stat.ML", "Machine Learning"),
        ("eess.iv", "eess.IV", "Image and Video Processing"),
        ("econ.em", "econ.EM", "Econometrics"),
        ("astro-ph.he", "astro-ph.HE", "High Energy Astrophysical Phenomena"),
        ("nlin.cd", "nlin.CD", "Chaotic Dynamics"),
    ],
)
def test_lookup_is_case_insensitive(typed: str, canonical: str, name: str) -> None:
    """Users type categories in any case; we store and show arXiv's spelling."""
    assert canonical_category(typed) == canonical
    assert is_category(typed)
    assert category_name(typed) == name


@pytest.mark.parametrize("typed", ["cs", "cs.XX", "math", "astro-ph", "alg-geom", "cs.CV.", ""])
def test_non_categories(typed: str) -> None:
    """Whole archives, retired archives and made-up codes are not categories."""
    assert canonical_category(typed) is None
    assert not is_category(typed)
    assert category_name(typed) is None


def test_aliases_pair_existing_categories() -> None:
    """Both sides of every alias are categories, and each finds the other."""
    for alias, canonical in ALIASES.items():
        assert is_category(alias) and is_category(canonical)
        assert equivalent_categories(alias) == {alias, canonical}
        assert equivalent_categories(canonical) == {alias, canonical}
    assert equivalent_categories("cs.cv") == {"cs.CV"}
    assert equivalent_categories("nope") == frozenset()


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("cs.VC", "cs.CV"),
        ("cs.cvpr", "cs.CV"),
        ("hep-tj", "hep-th"),
        ("physics.optic", "physics.optics"),
    ],
)
def test_suggestions_for_typos(typed: str, first: str) -> None:
    """A mistyped code suggests the category the user most likely meant first."""
    assert suggest_categories(typed)[0] == first
    assert len(suggest_categories(typed)) <= 3
