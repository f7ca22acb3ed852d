"""A topic digest as a Markdown page for static sites (``paperboy digest --format markdown``).

The layout follows shared/examples/digest-example.zh.md, the page our users publish: YAML front
matter (title = the topic, date, author, categories, tags, description, keywords), a quoted
note saying who wrote the summaries, a localized date header, then one ``## Title`` section per
paper: authors, the arXiv abstract, links, and the card's summary, takeaways and analysis.

Front matter values are written as JSON strings, which YAML reads as double-quoted scalars, so
a topic or title with ``:``, ``#`` or quotes cannot break the page. ``date`` is the moment
arXiv announced the mailing (UTC), so the same digest rendered twice is the same page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Final

from bot.core.messages import PaperCard
from bot.core.topic_digest import TopicDigest
from bot.render.labels import labels_for, model_credit
from bot.render.markdown import escape
from bot.render.outline import outline

AUTHOR: Final = "paperboy"
CATEGORY: Final = "Paper"
_DESCRIPTION_TITLES = 3  # papers named in the front matter's description
_AUTHOR_LIMIT = 30  # a web page has room for longer author lists than a chat card

# Phrases of the digest page. bot/render/labels.py is the home of localized text; until it has
# these keys, this table is used (labels.py wins for any key it defines).
_FALLBACK: Final[dict[str, dict[str, str]]] = {
    "en": {
        "digest_update": "Update {date}",
        "digest_by_model": (
            "The summaries below were written by {model}. They can be wrong: use them to choose "
            "what to read, not instead of the papers."
        ),
        "digest_extractive": (
            "The summaries below are extractive: sentences taken from the papers themselves, "
            "not written by a language model."
        ),
        "digest_description": "Latest arXiv papers on {topic}, {date}: {titles}",
        "digest_nothing": "No new papers on {topic} in the arXiv mailing of {date}.",
        "digest_weekend": "No new papers on {date}: arXiv does not announce on weekends.",
        "digest_holiday": "No new papers on {date}: arXiv does not announce on holidays.",
    },
    "zh": {
        "digest_update": "{date} 更新",
        "digest_by_model": (
            "以下所有内容总结都来自于 {model}，如有错误，仅供参考，谨慎使用。"
            "请勿用于严肃的学术场景，只能用于论文阅读前的初筛。"
        ),
        "digest_extractive": "以下总结为抽取式摘要：句子直接摘自论文原文，并非由大语言模型生成。",
        "digest_description": "{topic} 方向最新论文已更新，请持续关注 Update in {date}  {titles}",
        "digest_nothing": "{date} 的 arXiv 更新中没有关于 {topic} 的新论文。",
        "digest_weekend": "{date} 没有新论文：arXiv 周末不发布新论文。",
        "digest_holiday": "{date} 没有新论文：arXiv 节假日不发布新论文。",
    },
    "ja": {
        "digest_update": "{date} の更新",
        "digest_by_model": (
            "以下の要約はすべて {model} によるものです。誤りを含む可能性があるため、"
            "読む論文を選ぶための参考にとどめてください。"
        ),
        "digest_extractive": "以下は抽出型要約です。論文本文から抜き出した文で、言語モデルが書いたものではありません。",
        "digest_description": "{topic} の最新論文（{date}）：{titles}",
        "digest_nothing": "{date} の arXiv 更新に {topic} の新しい論文はありません。",
        "digest_weekend": "{date} は新しい論文がありません。arXiv は週末に公開しません。",
        "digest_holiday": "{date} は新しい論文がありません。arXiv は祝日に公開しません。",
    },
    "ko": {
        "digest_update": "{date} 업데이트",
        "digest_by_model": (
            "아래 요약은 모두 {model}이(가) 작성했습니다. 틀릴 수 있으니 읽을 논문을 고르는 "
            "참고용으로만 사용하세요."
        ),
        "digest_extractive": "아래 요약은 추출식 요약입니다. 논문에서 그대로 가져온 문장이며 언어 모델이 쓴 것이 아닙니다.",
        "digest_description": "{topic} 최신 논문 ({date}): {titles}",
        "digest_nothing": "{date} arXiv 업데이트에 {topic} 관련 새 논문이 없습니다.",
        "digest_weekend": "{date}에는 새 논문이 없습니다. arXiv는 주말에 발표하지 않습니다.",
        "digest_holiday": "{date}에는 새 논문이 없습니다. arXiv는 공휴일에 발표하지 않습니다.",
    },
    "de": {
        "digest_update": "Aktualisierung vom {date}",
        "digest_by_model": (
            "Die Zusammenfassungen unten stammen von {model}. Sie können Fehler enthalten: Nutzen "
            "Sie sie zur Auswahl, nicht anstelle der Paper."
        ),
        "digest_extractive": (
            "Die Zusammenfassungen unten sind extraktiv: Sätze aus den Papern selbst, nicht von "
            "einem Sprachmodell geschrieben."
        ),
        "digest_description": "Neue arXiv-Paper zu {topic}, {date}: {titles}",
        "digest_nothing": "Keine neuen Paper zu {topic} in der arXiv-Ausgabe vom {date}.",
        "digest_weekend": "Keine neuen Paper am {date}: arXiv veröffentlicht am Wochenende nicht.",
        "digest_holiday": "Keine neuen Paper am {date}: arXiv veröffentlicht an Feiertagen nicht.",
    },
    "fr": {
        "digest_update": "Mise à jour du {date}",
        "digest_by_model": (
            "Les résumés ci-dessous ont été rédigés par {model}. Ils peuvent contenir des "
            "erreurs : servez-vous-en pour choisir quoi lire, pas à la place des articles."
        ),
        "digest_extractive": (
            "Les résumés ci-dessous sont extractifs : des phrases tirées des articles eux-mêmes, "
            "non rédigées par un modèle de langue."
        ),
        "digest_description": "Nouveaux articles arXiv sur {topic}, {date} : {titles}",
        "digest_nothing": "Aucun nouvel article sur {topic} dans l'envoi arXiv du {date}.",
        "digest_weekend": "Aucun nouvel article le {date} : arXiv ne publie pas le week-end.",
        "digest_holiday": "Aucun nouvel article le {date} : arXiv ne publie pas les jours fériés.",
    },
    "es": {
        "digest_update": "Actualización del {date}",
        "digest_by_model": (
            "Los resúmenes siguientes los escribió {model}. Pueden contener errores: úselos para "
            "elegir qué leer, no en lugar de los artículos."
        ),
        "digest_extractive": (
            "Los resúmenes siguientes son extractivos: frases tomadas de los propios artículos, "
            "no escritas por un modelo de lenguaje."
        ),
        "digest_description": "Nuevos artículos de arXiv sobre {topic}, {date}: {titles}",
        "digest_nothing": "No hay artículos nuevos sobre {topic} en el envío de arXiv del {date}.",
        "digest_weekend": (
            "No hay artículos nuevos el {date}: arXiv no publica los fines de semana."
        ),
        "digest_holiday": "No hay artículos nuevos el {date}: arXiv no publica en días festivos.",
    },
    "ru": {
        "digest_update": "Обновление от {date}",
        "digest_by_model": (
            "Резюме ниже написаны {model}. Они могут содержать ошибки: используйте их, чтобы "
            "выбрать, что читать, а не вместо статей."
        ),
        "digest_extractive": (
            "Резюме ниже экстрактивные: предложения взяты из самих статей, а не написаны "
            "языковой моделью."
        ),
        "digest_description": "Новые статьи arXiv по теме {topic}, {date}: {titles}",
        "digest_nothing": "В рассылке arXiv от {date} нет новых статей по теме {topic}.",
        "digest_weekend": "{date} новых статей нет: arXiv не публикует по выходным.",
        "digest_holiday": "{date} новых статей нет: arXiv не публикует в праздники.",
    },
}


def phrase(language: str, key: str) -> str:
    """A digest phrase in ``language``: labels.py when it has the key, else the table above."""
    found = labels_for(language).get(key)
    if found is not None:
        return found
    code = language.lower().replace("_", "-")
    table = _FALLBACK.get(code) or _FALLBACK.get(code.split("-")[0]) or _FALLBACK["en"]
    return table[key]


def render_digest(digest: TopicDigest) -> str:
    """The whole page: front matter, note, date header, one section per paper."""
    lang, day = digest.language, digest.mailing.day.isoformat()
    parts = [front_matter(digest)]
    note = provenance_note(digest)
    if note:
        parts.append("> ⚠️ " + escape(note))
    parts.append("# " + phrase(lang, "digest_update").format(date=day))
    if digest.mailing.quiet is not None:
        parts.append(phrase(lang, f"digest_{digest.mailing.quiet}").format(date=day))
    elif not digest.cards:
        nothing = phrase(lang, "digest_nothing")
        parts.append(escape(nothing.format(topic=digest.topic.label, date=day)))
    parts += [render_paper(card, shown_note=note) for card in digest.cards]
    return "\n\n".join(parts) + "\n"


def front_matter(digest: TopicDigest) -> str:
    """The YAML header static-site generators (Hexo, Hugo, Jekyll) read."""
    topic, day = digest.topic.label, digest.mailing.day
    titles = "  ".join(card.paper.title for card in digest.cards[:_DESCRIPTION_TITLES])
    description = phrase(digest.language, "digest_description").format(
        topic=topic, date=day.isoformat(), titles=titles
    )
    when = digest.mailing.announcement or datetime.combine(day, time(0), tzinfo=UTC)
    tags = [topic, *(c for c in digest.topic.categories if c != topic)]
    lines = [
        "---",
        f"title: {_yaml(topic)}",
        f"date: {when.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}",
        f"author: {_yaml(AUTHOR)}",
        f"categories: {_yaml(CATEGORY)}",
        "tags:",
        *(f"    - {_yaml(tag)}" for tag in tags),
        f"description: {_yaml(description.strip())}",
        f"keywords: {_yaml(topic)}",
        f"lang: {_yaml(digest.language)}",
        "---",
    ]
    return "\n".join(lines)


def provenance_note(digest: TopicDigest) -> str:
    """Who wrote the summaries: the model(s) when any card is model-written, else "extractive"."""
    models = dict.fromkeys(
        model_credit(c.summary.backend, c.summary.model)
        for c in digest.cards
        if not c.summary.extractive
    )
    if models:
        return phrase(digest.language, "digest_by_model").format(model=", ".join(models))
    notes = {c.summary.note for c in digest.cards}
    if len(notes) == 1 and (only := notes.pop()):
        return only  # the extractive backend's own note, in the digest's language
    return phrase(digest.language, "digest_extractive") if digest.cards else ""


def render_paper(card: PaperCard, *, shown_note: str = "") -> str:
    """One paper's section: title, authors, abstract, links, summary, takeaways, analysis.

    The card's own note (a fallback, an untranslated summary) is added unless it is
    ``shown_note``, the one the page already shows at the top.
    """
    o = outline(card, author_limit=_AUTHOR_LIMIT)
    links = " · ".join(f"[{escape(link.label)}]({link.url})" for link in o.links)
    out = [
        f"## {escape(o.title)}",
        "",
        f"**{o.authors_heading}:** {escape(o.authors)}",
        "",
        escape(card.paper.abstract),
        "",
        f"arXiv:{o.arxiv_id} · {links}",
        "",
        f"**{o.tldr_heading}**",
        "",
        escape(o.tldr),
        "",
        f"**{o.takeaways_heading}**",
        "",
        *(f"{i}. {escape(t)}" for i, t in enumerate(o.takeaways, 1)),
        "",
        f"**{o.analysis_heading}**",
        "",
    ]
    for i, section in enumerate(o.analysis, 1):
        if section.parts:
            out.append(f"{i}. **{section.heading}**")
            out += [f"    - **{p.heading}:** {escape(p.text)}" for p in section.parts]
        else:
            out.append(f"{i}. **{section.heading}:** {escape(section.text)}")
    if o.keywords:
        out += ["", f"**{o.keywords_heading}:** " + ", ".join(escape(k) for k in o.keywords)]
    if card.summary.note and card.summary.note != shown_note:
        out += ["", "> " + escape(card.summary.note)]
    return "\n".join(out)


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)
