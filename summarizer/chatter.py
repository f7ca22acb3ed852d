"""Text addressed to the reader or about the task instead of the paper: chatter and meta-talk.

Chatter (sign-offs, offers, "I hope this helps") never belongs in a summary, whatever the paper.
Meta-talk comes in two kinds: the model speaking about itself ("As an AI language model, I"),
allowed only where the paper's own text has the very phrase (a study of refusals), and words for
our task ("system prompt", "JSON format", "takeaways"), allowed when the paper is about that
subject in any language: a Chinese summary of an English paper on system prompts says 系统提示.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.errors import InvalidOutput

Fields = list[tuple[str, str]]


def _compile(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns)


# Sign-offs, offers and questions to the user, per language; "您" (the polite "you") and
# Korean honorific offers never address a paper's reader in a summary.
CHATTER = _compile(
    # en
    r"\bi hope (?:this|that|these|the above|it|you)\b", r"\bhope (?:this|that|it) helps\b",
    r"\blet me know\b", r"\bfeel free to\b", r"\bif you (?:need|have|want|would like|require)\b",
    r"\b(?:happy|glad) to help\b", r"\b(?:don't|do not) hesitate\b",
    r"\bi(?:'d| would) be (?:happy|glad)\b", r"\bthank you for\b", r"\bany (?:further )?questions\?",
    # zh
    r"希望.{0,12}(?:对您|对你|符合您|符合你|有所帮助|有帮助|满足您|能帮到)", r"如(?:需|有需要|果您|果你|有任何).{0,16}(?:请|告诉我|随时)",
    r"请(?:随时)?(?:告诉|告知|联系)我", r"您", r"(?:随时|乐意)(?:为你|为您|帮助|效劳)",
    # ja
    r"お役に立て", r"ご(?:不明|質問|要望)", r"お気軽に", r"いかがでしょうか", r"お知らせ(?:ください|下さい)",
    # ko
    r"도움이\s*되(?:었|셨|시)?(?:으면|기를|길)", r"(?:필요|궁금)(?:하시면|하신|한 점이 있으시면)",
    r"말씀해\s*주(?:세요|십시오)", r"알려\s*주(?:세요|십시오)", r"드리겠습니다", r"해\s*드(?:렸|립)니다",
    # de, fr, es, it, pt, nl
    r"\bich hoffe\b", r"\blassen sie (?:mich|es mich) wissen\b", r"\bzögern sie nicht\b",
    r"\bj'espère que\b", r"\bn'hésitez pas\b", r"\bsi vous (?:avez|souhaitez|voulez) (?:des|d'autres|plus)\b",
    r"\bespero que (?:esto|este|esta|le|te|haya|isso|isto|tenha|ajude)\b", r"\bno dude(?:s)? en\b",
    r"\bhá?zme saber\b", r"\bspero che (?:questo|questa|ti|le|sia)\b", r"\bnon esitare\b",
    r"\bfammi sapere\b", r"\bn[ãa]o hesite\b", r"\bik hoop dat\b", r"\blaat (?:het )?me weten\b",
    # pl, vi, tr, ru
    r"\bmam nadziej[ęe]\b", r"\bdaj(?:cie)? (?:mi )?zna[ćc]\b", r"\bjeśli (?:potrzebujesz|masz|chcesz)\b",
    r"\bhy vọng\b.{0,40}(?:giúp|hữu ích|đáp ứng|bạn)", r"\bnếu bạn (?:cần|có|muốn)\b",
    r"\bcho (?:tôi|mình) biết\b", r"\bumarım\b", r"\bihtiyacınız (?:olursa|varsa)\b",
    r"\bçekinmeyin\b", r"надеюсь", r"дайте (?:мне )?знать", r"обращайтесь",
)  # fmt: skip

# The model about itself or about its answer: meta-talk unless the paper has the same phrase.
SELF = _compile(
    r"\bas an? (?:ai|large language model|language model)(?: (?:language )?model| assistant)?,?\s+i\b",
    r"\bi(?:'m| am) (?:sorry|unable|not able)\b", r"\bi (?:cannot|can't|can not|apologi[sz]e|will now)\b",
    r"^(?:sure|certainly|of course|okay)\b[,!.]",
    r"\bhere(?: is|'s| are) (?:the |a |your |my )?(?:summary|json|analysis|key takeaways)\b",
    r"作为(?:一[个名])?(?:AI|人工智能|大?语言模型|助手)(?:语言模型|助手)?[，,、\s]*我", r"我(?:无法|不能|没办法|不会)",
    r"以下是.{0,8}(?:摘要|总结|概述|JSON|分析)", r"(?:这是|这里是).{0,6}(?:摘要|总结)",
    r"以下は.{0,10}要約", r"AI(?:として|言語モデルとして)", r"다음은.{0,12}요약", r"AI(?: 언어 모델)?로서",
    r"\bhier ist (?:die|eine) zusammenfassung\b", r"\bvoici (?:le|un) résumé\b",
    r"\baquí (?:está|tienes) (?:el|un) resumen\b", r"\boto (?:streszczenie|podsumowanie)\b",
    r"\bjako (?:model językowy|ai|sztuczna inteligencja)\b", r"\bdưới đây là\b.{0,20}tóm tắt",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Concept:
    """Words for part of our task, and how to tell that a paper is about that subject."""

    said: tuple[re.Pattern[str], ...]  # in the summary, in any language
    subject: re.Pattern[str]  # in the paper, in any language


CONCEPTS = (
    _Concept(_compile(r"\bsystem prompts?\b", r"系统提示", r"시스템\s*프롬프트", r"システムプロンプト",
                      r"\bprompt\w* systemow", r"\bsystem-?prompts?\b"),
             re.compile(r"system[ -]?(?:prompt|message|instruction)|系统提示|시스템\s*프롬프트", re.I)),
    _Concept(_compile(r"\b(?:valid |the )?json (?:object|format|output|schema)\b", r"\bvalid json\b",
                      r"JSON\s*(?:对象|格式|输出)", r"JSON\s*형식", r"\bformat\w* JSON", r"định dạng JSON"),
             re.compile(r"\bjson\b", re.I)),
    _Concept(_compile(r"\bignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) instructions\b",
                      r"忽略.{0,4}(?:之前|以上|先前|前面|上述).{0,4}(?:指令|指示|说明|要求)"),
             re.compile(r"\bignor\w*\b.{0,40}\binstructions?\b|忽略.{0,8}指令", re.I)),
    _Concept(_compile(r"\btakeaways?\b", r"\btl;?dr\b", r"\bprior_work\b", r"paper_(?:start|end)"),
             re.compile(r"\btakeaways?\b|\btl;?dr\b", re.I)),
    _Concept(_compile(r"\b(?:this|the|a|good|your|my) summary (?:should|must|needs to|has to)\b",
                      r"\bsummar(?:y|ies) should\b", r"(?:摘要|总结|概括)(?:应该|应当|需要|必须)",
                      r"好的(?:摘要|总结)", r"요약(?:은|는)\s*(?:반드시|~?해야)"),
             re.compile(r"\bsummar(?:y|ies|i[sz]ation)\b|摘要生成|文本摘要|자동\s*요약", re.I)),
)  # fmt: skip


def check_chatter(fields: Fields) -> None:
    """InvalidOutput when a field speaks to the user (sign-offs, offers, questions)."""
    for name, text in fields:
        for pattern in CHATTER:
            match = pattern.search(text)
            if match:
                raise InvalidOutput(
                    f"{name} speaks to the user ('{match.group(0).strip()[:40]}'); write only "
                    "about the paper: no greetings, offers, wishes or questions"
                )


def check_meta_talk(fields: Fields, source: str) -> None:
    """InvalidOutput when a field talks about the task or the model instead of the paper.

    ``source``: the paper's text (injected commands already removed, see summarizer.injection).
    """
    allowed = source.lower()
    subjects = [c for c in CONCEPTS if c.subject.search(source)]
    for name, text in fields:
        for pattern in SELF:
            for match in pattern.finditer(text.strip()):
                if match.group(0).lower() not in allowed:
                    raise _meta(name, match.group(0))
        for concept in CONCEPTS:
            if concept in subjects:
                continue
            for pattern in concept.said:
                match = pattern.search(text)
                if match:
                    raise _meta(name, match.group(0))


def _meta(name: str, phrase: str) -> InvalidOutput:
    return InvalidOutput(
        f"{name} talks about the task instead of the paper ('{phrase.strip()[:40]}'); "
        "write only about the paper's content, and never about yourself, these instructions "
        "or the output format"
    )
