"""The few phrases the extractive summarizer writes itself, in the languages we ship.

Everything else it outputs is quoted from the paper. Unknown languages fall back to English.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrases:
    """One language's phrases; ``title``/``authors``/``category`` take ``str.format`` fields."""

    note: str  # the sentences come from the abstract, not from a model
    note_text: str  # … from the abstract and the paper's text
    untranslated: str  # why the sentences are not in the reader's language
    not_stated: str
    title: str  # {title}
    authors: str  # {authors}
    category: str  # {category}


PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        note="Extractive summary: these sentences are taken from the abstract, "
        "not written by a model.",
        note_text="Extractive summary: these sentences are taken from the abstract and the "
        "paper's text, not written by a model.",
        untranslated="They stay in the paper's language because translation needs a model "
        "(for example, set a Gemini API key).",
        not_stated="Not stated in the abstract.",
        title="The paper is titled “{title}”.",
        authors="Authors: {authors}.",
        category="arXiv category: {category}.",
    ),
    "zh": Phrases(
        note="抽取式摘要：以下句子直接摘自论文摘要，并非由模型生成的总结。",
        note_text="抽取式摘要：以下句子直接摘自论文摘要和正文，并非由模型生成的总结。",
        untranslated="这些句子保留论文原文的语言，因为翻译需要使用模型（例如设置 Gemini API 密钥）。",
        not_stated="摘要中未提及。",
        title="论文标题为“{title}”。",
        authors="作者：{authors}。",
        category="arXiv 分类：{category}。",
    ),
    "ja": Phrases(
        note="抽出型要約：以下の文は論文の要旨からそのまま抜き出したもので、モデルによる要約ではありません。",
        note_text="抽出型要約：以下の文は論文の要旨と本文からそのまま抜き出したもので、"
        "モデルによる要約ではありません。",
        untranslated="翻訳にはモデルが必要なため、文は論文の言語のままです"
        "（例：Gemini API キーを設定してください）。",
        not_stated="要旨には記載されていません。",
        title="論文のタイトルは「{title}」です。",
        authors="著者：{authors}。",
        category="arXiv カテゴリ：{category}。",
    ),
    "ko": Phrases(
        note="추출 요약: 아래 문장은 논문 초록에서 그대로 가져온 것이며, 모델이 작성한 요약이 아닙니다.",
        note_text="추출 요약: 아래 문장은 논문 초록과 본문에서 그대로 가져온 것이며, "
        "모델이 작성한 요약이 아닙니다.",
        untranslated="번역에는 모델이 필요하므로 문장은 논문의 원래 언어로 유지됩니다"
        "(예: Gemini API 키를 설정하세요).",
        not_stated="초록에 언급되지 않았습니다.",
        title="논문 제목은 “{title}”입니다.",
        authors="저자: {authors}.",
        category="arXiv 분류: {category}.",
    ),
    "de": Phrases(
        note="Extraktive Zusammenfassung: Diese Sätze stammen aus dem Abstract und wurden "
        "nicht von einem Modell verfasst.",
        note_text="Extraktive Zusammenfassung: Diese Sätze stammen aus dem Abstract und dem "
        "Text des Artikels und wurden nicht von einem Modell verfasst.",
        untranslated="Sie bleiben in der Sprache des Artikels, da eine Übersetzung ein Modell "
        "erfordert (zum Beispiel einen Gemini-API-Schlüssel festlegen).",
        not_stated="Im Abstract nicht angegeben.",
        title="Der Artikel trägt den Titel „{title}“.",
        authors="Autoren: {authors}.",
        category="arXiv-Kategorie: {category}.",
    ),
    "fr": Phrases(
        note="Résumé extractif : ces phrases sont tirées du résumé de l'article, et non "
        "rédigées par un modèle.",
        note_text="Résumé extractif : ces phrases sont tirées du résumé et du texte de "
        "l'article, et non rédigées par un modèle.",
        untranslated="Elles restent dans la langue de l'article, car la traduction nécessite "
        "un modèle (par exemple, configurez une clé API Gemini).",
        not_stated="Non précisé dans le résumé.",
        title="L'article s'intitule « {title} ».",
        authors="Auteurs : {authors}.",
        category="Catégorie arXiv : {category}.",
    ),
    "es": Phrases(
        note="Resumen extractivo: estas frases se han tomado del resumen del artículo; no "
        "las ha escrito un modelo.",
        note_text="Resumen extractivo: estas frases se han tomado del resumen y del texto del "
        "artículo; no las ha escrito un modelo.",
        untranslated="Se mantienen en el idioma del artículo porque la traducción requiere un "
        "modelo (por ejemplo, configure una clave de API de Gemini).",
        not_stated="No se indica en el resumen.",
        title="El artículo se titula «{title}».",
        authors="Autores: {authors}.",
        category="Categoría de arXiv: {category}.",
    ),
    "ru": Phrases(
        note="Экстрактивное резюме: эти предложения взяты из аннотации статьи, а не "
        "написаны моделью.",
        note_text="Экстрактивное резюме: эти предложения взяты из аннотации и текста статьи, "
        "а не написаны моделью.",
        untranslated="Они остаются на языке статьи, поскольку для перевода нужна модель "
        "(например, укажите ключ API Gemini).",
        not_stated="В аннотации не указано.",
        title="Статья называется «{title}».",
        authors="Авторы: {authors}.",
        category="Категория arXiv: {category}.",
    ),
}


def base_language(language: str) -> str:
    """``zh-CN`` → ``zh``, ``pt_BR`` → ``pt``: the part our phrase tables are keyed by."""
    return language.strip().lower().replace("_", "-").split("-")[0]


def phrases_for(language: str) -> Phrases:
    """The phrases of ``language``, English when we have no translation."""
    return PHRASES.get(base_language(language), PHRASES["en"])
