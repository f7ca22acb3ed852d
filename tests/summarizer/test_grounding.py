"""Extras of a model answer: a translated title kept only when sound, affiliations only when the
paper's front matter contains them."""

from __future__ import annotations

from summarizer.grounding import clean_extras, grounded_affiliations
from summarizer.schema import SummaryDraft
from tests.fakes.model_api import sample_draft

FRONT = """DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion
Hanbo Cheng1, Limin Lin1, Jun Du1,2
1 University of Science and Technology of China, Hefei
2 iFLYTEK Research, Hefei, China
{hanbo@mail.ustc.edu.cn}
Abstract. Talking head generation ..."""


def draft(**changes: object) -> SummaryDraft:
    return SummaryDraft.model_validate(sample_draft("zh") | changes)


def test_affiliations_in_the_front_matter_are_kept_inventions_dropped() -> None:
    """Case, punctuation and spacing aside the text must be there; the rest is an invention."""
    kept = grounded_affiliations(
        ["University of Science and Technology of China", "IFLYTEK  research",
         "Stanford University", "China", "University of Science and Technology of China"],
        FRONT,
    )
    assert kept == ["University of Science and Technology of China", "IFLYTEK research", "China"]


def test_no_front_matter_means_no_affiliations() -> None:
    """Abstract-only summaries cannot ground anything: every affiliation is dropped."""
    assert grounded_affiliations(["MIT"], "") == []


def test_a_sound_translated_title_is_kept() -> None:
    """A Chinese title for a Chinese summary stays."""
    cleaned = clean_extras(draft(title_translation=" DAWN：用于说话人头部视频生成的 非自回归扩散框架 "),
                           "zh", front_matter=FRONT, source="")
    assert cleaned.title_translation == "DAWN：用于说话人头部视频生成的 非自回归扩散框架"


def test_a_title_in_the_wrong_language_or_with_task_talk_is_dropped() -> None:
    """An untranslated English title, or one that talks about the task, is dropped (the
    summary itself stays)."""
    english = "A dynamic frame avatar framework for talking head video generation with diffusion"
    assert clean_extras(draft(title_translation=english), "zh", front_matter="",
                        source="").title_translation == ""
    chatty = "以下是摘要：说话人头部视频生成"
    assert clean_extras(draft(title_translation=chatty), "zh", front_matter="",
                        source="").title_translation == ""
    assert clean_extras(draft(title_translation="标题"), "en", front_matter="",
                        source="").title_translation == ""


def test_words_of_the_title_names_and_emails_are_not_affiliations() -> None:
    """Grounding means printed as an affiliation: a line or a comma-separated part of one, not
    any word of the page (the title, an author, an e-mail address, a single letter)."""
    front = ("A Survey of AI in China\nWei Zhang\nTsinghua University, Beijing\n"
             "wei@tsinghua.edu.cn")
    kept = grounded_affiliations(
        ["AI", "China", "A", "Survey", "Wei Zhang", "edu", "Tsinghua", "A Survey of AI in China",
         "Tsinghua University", "Beijing"],
        front, not_affiliations=("A Survey of AI in China", "Wei Zhang"),
    )
    assert kept == ["Tsinghua University", "Beijing"]


def test_a_translation_that_is_the_title_again_or_talks_about_itself_is_dropped() -> None:
    """The original title "translated" into itself, or "标题翻译：…", is no translation."""
    original = "DAWN: Dynamic Frame Avatar"
    for given in ("DAWN: Dynamic Frame Avatar", "标题翻译：DAWN：动态帧头像", "好的，这是翻译：动态帧头像"):
        assert clean_extras(draft(title_translation=given), "de" if given == original else "zh",
                            front_matter="", source="", title=original).title_translation == ""
