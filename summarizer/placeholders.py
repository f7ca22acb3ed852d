"""Fields that only echo a template: "xxx", "…", "N/A", "Error", "[数据集链接]", "XX%".

A model that has nothing to say for a field, or copies the template it was shown, fills it with
a placeholder; a reader must never see one presented as the paper's content.
"""

from __future__ import annotations

import re

from summarizer.errors import InvalidOutput

Fields = list[tuple[str, str]]

# A whole field that says nothing, in the languages we serve (compared case-blind, trimmed of
# punctuation and brackets).
EMPTY_WORDS = frozenset(
    """x xx xxx xxxx n/a na n.a none null nil nan tbd tbc todo error unknown placeholder
    undefined omitted lorem ipsum lorem-ipsum not applicable not available not mentioned
    无 暂无 未知 待补充 待定 略 不详 无信息 未提及 空 错误 없음 해당 없음 미정 알 수 없음 오류
    なし 不明 未定 brak brak danych nie dotyczy không có không rõ chưa có lỗi yok bilinmiyor
    hata keine unbekannt fehler aucun inconnu erreur ninguno desconocido nessuno sconosciuto
    nenhum desconhecido""".split()
) | {"not applicable", "not available", "not mentioned", "lorem ipsum", "해당 없음", "알 수 없음",
     "brak danych", "nie dotyczy", "không có", "không rõ", "chưa có"}  # fmt: skip

# Template echoes inside a longer text.
_INLINE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # [dataset link], 【待补充】, <model name>, [링크]: a bracket around a template word
        r"[\[【<〈「{](?:[^\[\]【】<>〈〉「」{}\n]{0,24})(?:link|url|name|insert|your|here|todo|tbd|"
        r"placeholder|xxx|链接|網址|网址|名称|填写|此处|这里|待|数据集|링크|이름|여기|입력|リンク|名前|"
        r"nazwa|tutaj|liên kết|tên|bağlantı|isim)(?:[^\[\]【】<>〈〉「」{}\n]{0,24})[\]】>〉」}]",
        r"\b(?:x{3,}|X{2,})\b", r"(?<![A-Za-z])XX(?:\.X+)?\s?%", r"\?{3,}", r"\{\{[^{}]{1,40}\}\}",
        r"\blorem ipsum\b",
        # "[X]%", "[N] times", "[Y]": one letter (or a few X) in brackets stands for a number
        r"[\[【](?:[XYZN]|X{2,}|\?+|…|\.{3})[\]】]",
        # keyword1, 关键词2, 키워드3: the template's own example words
        r"^\s*(?:keyword|key word|term|tag|关键词|关键字|키워드|キーワード|słowo kluczowe|"
        r"từ khóa|anahtar kelime|schlüsselwort|mot-clé|palabra clave)\s*_?\d+\s*$",
        # "Limitations: N/A" — a label and nothing
        r"^[^\n:：]{0,30}[:：]\s*(?:n/?a|none|tbd|xxx|无|暂无|없음|brak|không có|yok)\W*$",
    )
)
_LETTER = re.compile(r"[^\W_]")


def check_placeholders(fields: Fields) -> None:
    """InvalidOutput when a field (or keyword) is a placeholder or contains one."""
    for name, text in fields:
        bare = text.strip().strip("\"'“”‘’.。…!！?？:：;；,，-—–_*()[]【】<>{}「」 \t\n").lower()
        if not _LETTER.search(text) or bare in EMPTY_WORDS or not bare:
            raise _placeholder(name, text.strip()[:30])
        for pattern in _INLINE:
            match = pattern.search(text)
            if match:
                raise _placeholder(name, match.group(0)[:40])


def _placeholder(name: str, what: str) -> InvalidOutput:
    return InvalidOutput(
        f"{name} is a placeholder ('{what}'), not content; write what the paper says, and if it "
        "says nothing on this, say so in a full sentence"
    )
