"""Headings and fixed phrases of a rendered summary, per language (English when unknown)."""

from __future__ import annotations

from typing import Final

_EN: Final = {
    "authors": "Authors",
    "abstract": "Abstract",
    "pdf": "PDF",
    "code": "Code",
    "tldr": "Summary",
    "takeaways": "Key takeaways",
    "analysis": "Analysis",
    "background": "Background",
    "prior_work": "Prior work and its problems",
    "method": "Method",
    "results": "Results",
    "conclusion": "Conclusion",
    "significance": "Significance",
    "strengths": "Strengths",
    "limitations": "Limitations",
    "keywords": "Keywords",
    "by_model": "Summarized by {model}. Check the paper before relying on it.",
    "et_al": "et al. ({n} authors)",
    "cached": "cached",
    "figures_folded": "The paper's figures",
    "figures": "Figures",
    "affiliations": "Affiliations",
    "from_full_text": "From the full text",
    "from_abstract": "From the abstract",
    "provisional": "⏳ A quick summary; the model's summary replaces it in a moment",
    "from_abstract_because": "From the abstract ({reason})",
    "full_analysis": "Full analysis",
    "continued": " (cont.)",
}

_ZH: Final = {
    "authors": "作者",
    "abstract": "摘要页",
    "pdf": "PDF",
    "code": "代码",
    "tldr": "一句话总结",
    "takeaways": "要点",
    "analysis": "论文分析",
    "background": "研究背景",
    "prior_work": "过去的方法及问题",
    "method": "研究方法",
    "results": "任务与性能",
    "conclusion": "结论",
    "significance": "意义",
    "strengths": "创新点与优势",
    "limitations": "局限性",
    "keywords": "关键词",
    "by_model": "由 {model} 生成的总结，仅供初筛参考，请以原文为准。",
    "et_al": "等（共 {n} 位作者）",
    "cached": "缓存",
    "figures_folded": "点此查看论文截图",
    "figures": "论文图片",
    "affiliations": "单位",
    "from_full_text": "根据全文",
    "from_abstract": "根据摘要",
    "provisional": "⏳ 快速摘要；模型的完整摘要稍后将替换此内容",
    "from_abstract_because": "根据摘要（{reason}）",
    "full_analysis": "完整分析",
    "continued": "（续）",
}

_JA: Final = {
    "authors": "著者",
    "abstract": "概要ページ",
    "pdf": "PDF",
    "code": "コード",
    "tldr": "一文要約",
    "takeaways": "要点",
    "analysis": "論文の分析",
    "background": "研究背景",
    "prior_work": "従来手法とその課題",
    "method": "提案手法",
    "results": "結果",
    "conclusion": "結論",
    "significance": "意義",
    "strengths": "強み",
    "limitations": "限界",
    "keywords": "キーワード",
    "by_model": "{model} による要約です。利用前に原文を確認してください。",
    "et_al": "ほか（著者 {n} 名）",
    "cached": "キャッシュ",
    "figures_folded": "論文の図を見る",
    "figures": "図",
    "affiliations": "所属",
    "from_full_text": "本文全体から",
    "from_abstract": "概要から",
    "provisional": "⏳ 簡易要約です。まもなくモデルの要約に置き換わります",
    "from_abstract_because": "概要から（{reason}）",
    "full_analysis": "分析の全文",
    "continued": "（続き）",
}

_KO: Final = {
    "authors": "저자",
    "abstract": "초록 페이지",
    "pdf": "PDF",
    "code": "코드",
    "tldr": "한 줄 요약",
    "takeaways": "핵심 내용",
    "analysis": "논문 분석",
    "background": "연구 배경",
    "prior_work": "기존 방법과 문제점",
    "method": "방법",
    "results": "결과",
    "conclusion": "결론",
    "significance": "의의",
    "strengths": "강점",
    "limitations": "한계",
    "keywords": "키워드",
    "by_model": "{model}이(가) 작성한 요약입니다. 원문을 확인하세요.",
    "et_al": "외 (저자 {n}명)",
    "cached": "캐시",
    "figures_folded": "논문 그림 보기",
    "figures": "그림",
    "affiliations": "소속",
    "from_full_text": "전문 기반",
    "from_abstract": "초록 기반",
    "provisional": "⏳ 빠른 요약입니다. 곧 모델의 요약으로 바뀝니다",
    "from_abstract_because": "초록 기반({reason})",
    "full_analysis": "전체 분석",
    "continued": " (계속)",
}

_DE: Final = {
    "authors": "Autoren",
    "abstract": "Abstract",
    "pdf": "PDF",
    "code": "Code",
    "tldr": "Zusammenfassung",
    "takeaways": "Kernaussagen",
    "analysis": "Analyse",
    "background": "Hintergrund",
    "prior_work": "Bisherige Arbeiten und ihre Probleme",
    "method": "Methode",
    "results": "Ergebnisse",
    "conclusion": "Fazit",
    "significance": "Bedeutung",
    "strengths": "Stärken",
    "limitations": "Grenzen",
    "keywords": "Schlagwörter",
    "by_model": "Zusammengefasst von {model}. Bitte das Paper selbst prüfen.",
    "et_al": "u. a. ({n} Autoren)",
    "cached": "zwischengespeichert",
    "figures_folded": "Abbildungen des Papers",
    "figures": "Abbildungen",
    "affiliations": "Institutionen",
    "from_full_text": "Aus dem Volltext",
    "from_abstract": "Aus dem Abstract",
    "provisional": "⏳ Eine schnelle Zusammenfassung; die des Modells ersetzt sie gleich",
    "from_abstract_because": "Aus dem Abstract ({reason})",
    "full_analysis": "Ganze Analyse",
    "continued": " (Forts.)",
}

_FR: Final = {
    "authors": "Auteurs",
    "abstract": "Résumé",
    "pdf": "PDF",
    "code": "Code",
    "tldr": "En bref",
    "takeaways": "Points clés",
    "analysis": "Analyse",
    "background": "Contexte",
    "prior_work": "Travaux antérieurs et leurs limites",
    "method": "Méthode",
    "results": "Résultats",
    "conclusion": "Conclusion",
    "significance": "Portée",
    "strengths": "Points forts",
    "limitations": "Limites",
    "keywords": "Mots-clés",
    "by_model": "Résumé rédigé par {model}. Vérifiez l'article avant de vous y fier.",
    "et_al": "et al. ({n} auteurs)",
    "cached": "en cache",
    "figures_folded": "Figures de l'article",
    "figures": "Figures",
    "affiliations": "Affiliations",
    "from_full_text": "D'après le texte intégral",
    "from_abstract": "D'après le résumé",
    "provisional": "⏳ Un résumé rapide ; celui du modèle le remplacera dans un instant",
    "from_abstract_because": "D'après le résumé ({reason})",
    "full_analysis": "Analyse complète",
    "continued": " (suite)",
}

_ES: Final = {
    "authors": "Autores",
    "abstract": "Resumen",
    "pdf": "PDF",
    "code": "Código",
    "tldr": "En resumen",
    "takeaways": "Puntos clave",
    "analysis": "Análisis",
    "background": "Contexto",
    "prior_work": "Trabajos previos y sus problemas",
    "method": "Método",
    "results": "Resultados",
    "conclusion": "Conclusión",
    "significance": "Relevancia",
    "strengths": "Fortalezas",
    "limitations": "Limitaciones",
    "keywords": "Palabras clave",
    "by_model": "Resumen generado por {model}. Consulte el artículo antes de confiar en él.",
    "et_al": "et al. ({n} autores)",
    "cached": "en caché",
    "figures_folded": "Figuras del artículo",
    "figures": "Figuras",
    "affiliations": "Afiliaciones",
    "from_full_text": "Del texto completo",
    "from_abstract": "Del resumen",
    "provisional": "⏳ Un resumen rápido; el del modelo lo reemplazará en un momento",
    "from_abstract_because": "Del resumen ({reason})",
    "full_analysis": "Análisis completo",
    "continued": " (cont.)",
}

_RU: Final = {
    "authors": "Авторы",
    "abstract": "Аннотация",
    "pdf": "PDF",
    "code": "Код",
    "tldr": "Кратко",
    "takeaways": "Главное",
    "analysis": "Анализ",
    "background": "Контекст",
    "prior_work": "Предыдущие работы и их проблемы",
    "method": "Метод",
    "results": "Результаты",
    "conclusion": "Вывод",
    "significance": "Значимость",
    "strengths": "Сильные стороны",
    "limitations": "Ограничения",
    "keywords": "Ключевые слова",
    "by_model": "Резюме составлено {model}. Проверьте статью, прежде чем на него полагаться.",
    "et_al": "и др. ({n} авторов)",
    "cached": "из кэша",
    "figures_folded": "Рисунки статьи",
    "figures": "Рисунки",
    "affiliations": "Организации",
    "from_full_text": "По полному тексту",
    "from_abstract": "По аннотации",
    "provisional": "⏳ Краткое резюме; скоро его заменит резюме модели",
    "from_abstract_because": "По аннотации ({reason})",
    "full_analysis": "Полный анализ",
    "continued": " (продолж.)",
}

# Phrases of the exported digest page (paperboy digest --format markdown).
_DIGEST_PAGE: Final[dict[str, dict[str, str]]] = {
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

LABELS: Final[dict[str, dict[str, str]]] = {
    code: {**table, **_DIGEST_PAGE[code]}
    for code, table in (
        ("en", _EN), ("zh", _ZH), ("ja", _JA), ("ko", _KO),
        ("de", _DE), ("fr", _FR), ("es", _ES), ("ru", _RU),
    )
}


def labels_for(language: str) -> dict[str, str]:
    """The label table for a language code (``zh-cn`` → ``zh``); English when we have none."""
    code = language.lower().replace("_", "-")
    return LABELS.get(code) or LABELS.get(code.split("-")[0]) or _EN


def shorten_authors(authors: tuple[str, ...], language: str, limit: int = 10) -> str:
    """All authors when few; the first ``limit`` and a count for long collaboration lists."""
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + " " + labels_for(language)["et_al"].format(n=len(authors))


def model_credit(backend: str, model: str | None) -> str:
    """``Gemini (gemini-2.5-flash)``: the name users see for whoever wrote a summary."""
    names = {"gemini": "Gemini", "openai": "an OpenAI-compatible model"}
    name = names.get(backend, backend)
    return f"{name} ({model})" if model else name
