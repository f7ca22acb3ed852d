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
}

LABELS: Final[dict[str, dict[str, str]]] = {
    "en": _EN,
    "zh": _ZH,
    "ja": _JA,
    "ko": _KO,
    "de": _DE,
    "fr": _FR,
    "es": _ES,
    "ru": _RU,
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
