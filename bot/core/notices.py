"""What a digest says around its papers, in the chat's language (English when we have none).

The core may not import ``bot/render`` (where the cards' labels live), so the digest's own
sentences and a small table of day and month names are kept here; no locale, no dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["digest_date", "digest_header", "digest_reply", "gave_up_text", "quiet_text"]


@dataclass(frozen=True, slots=True)
class _Texts:
    """One language's digest sentences; ``papers`` holds the plural forms of "N new papers"."""

    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    day: str  # {wd} {d} {dd} (zero-padded) {m} {mon} {y}
    header: str  # {day} {papers} {topics}
    papers: tuple[str, ...]  # {n}; chosen by _plural
    topics_sep: str
    more: str  # {n}
    weekend: str
    holiday: str
    gave_up: str
    replies: dict[str, str]  # by /digest outcome; "unreachable" takes {detail}


def _plural_one(n: int) -> int:
    return 0 if n == 1 else 1


def _plural_fr(n: int) -> int:
    return 0 if n in (0, 1) else 1


def _plural_ru(n: int) -> int:
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2


_PLURAL: dict[str, Callable[[int], int]] = {"fr": _plural_fr, "ru": _plural_ru}
_DISCORD_RIGHTS = "View Channel, Send Messages, Embed Links"

_EN = _Texts(
    weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    day="{wd} {dd} {mon} {y}",
    header="📬 arXiv digest for {day}: {papers} on {topics}.",
    papers=("{n} new paper", "{n} new papers"),
    topics_sep=", ",
    more="{n} more matched; raise the limit with /max to see more.",
    weekend="No new papers today: arXiv does not announce on weekends.",
    holiday="No new papers today: arXiv does not announce on holidays.",
    gave_up="Today's digest could not be put together: arXiv did not answer for hours. "
    "Its papers will come with the next digest, or now with /digest once arXiv is back.",
    replies={
        "nothing-new": "Nothing new since your last digest. arXiv announces new papers Sunday "
        "to Thursday at 20:00 US Eastern time.",
        "no-matches": "No new papers matched this chat's topics in arXiv's latest listing. "
        "/list shows them; /subscribe adds more (free text is matched against titles and "
        "abstracts).",
        "no-subscriptions": "This chat has no subscriptions yet. Start with /subscribe <topic>, "
        "e.g. /subscribe cs.CV or /subscribe talking head generation.",
        "not-ready": "arXiv has not published today's listing yet. Try again in a little while.",
        "failed": "arXiv is not answering right now, so I could not build the digest. "
        "Please try again in a few minutes.",
        "send-failed": "Sending the digest failed; it will be finished later, without repeating "
        "what already arrived.",
        "unreachable": "I could not post the digest here ({detail}), so digests to this chat are "
        f"stopped. Give me back the rights to post here (on Discord: {_DISCORD_RIGHTS}), then "
        "send any command to turn them on again.",
    },
)

_ZH = _Texts(
    weekdays=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    months=tuple(f"{m}月" for m in range(1, 13)),
    day="{y}年{m}月{d}日（{wd}）",
    header="📬 arXiv 论文速递 · {day}：{topics} 共 {papers}。",
    papers=("{n} 篇新论文",),
    topics_sep="、",
    more="另有 {n} 篇匹配的论文未列出；用 /max 提高上限即可看到。",
    weekend="今天没有新论文：arXiv 周末不发布新论文。",
    holiday="今天没有新论文：arXiv 节假日不发布新论文。",
    gave_up="今天的摘要未能生成：arXiv 已数小时没有响应。这些论文会随下一期摘要送达，"
    "arXiv 恢复后也可以用 /digest 立即获取。",
    replies={
        "nothing-new": "自上一期摘要以来没有新论文。arXiv 在美国东部时间周日至周四 20:00 发布新论文。",
        "no-matches": "arXiv 最新一期中没有与本聊天主题匹配的新论文。/list 查看主题；/subscribe "
        "添加更多（自由文本按标题和摘要匹配）。",
        "no-subscriptions": "本聊天还没有订阅。从 /subscribe <主题> 开始，例如 /subscribe cs.CV 或 "
        "/subscribe talking head generation。",
        "not-ready": "arXiv 还没有发布今天的列表，请稍后再试。",
        "failed": "arXiv 暂时没有响应，无法生成摘要。请几分钟后再试。",
        "send-failed": "摘要发送失败；稍后会继续发送，已送达的内容不会重复。",
        "unreachable": "我无法在这里发布摘要（{detail}），因此已停止向本聊天发送摘要。请恢复我在这里"
        f"发言的权限（Discord：{_DISCORD_RIGHTS}），然后发送任意命令即可重新开启。",
    },
)

_JA = _Texts(
    weekdays=("月", "火", "水", "木", "金", "土", "日"),
    months=tuple(f"{m}月" for m in range(1, 13)),
    day="{y}年{m}月{d}日（{wd}）",
    header="📬 {day}の arXiv ダイジェスト：{topics} の新着論文 {papers}。",
    papers=("{n} 件",),
    topics_sep="、",
    more="ほかに {n} 件が該当しました。/max で上限を上げると表示されます。",
    weekend="今日は新着論文がありません。arXiv は週末には公開しません。",
    holiday="今日は新着論文がありません。arXiv は祝日には公開しません。",
    gave_up="今日のダイジェストを作成できませんでした。arXiv が数時間応答しませんでした。"
    "論文は次のダイジェストで届きます。arXiv の復旧後は /digest ですぐに受け取れます。",
    replies={
        "nothing-new": "前回のダイジェスト以降、新着はありません。arXiv は米国東部時間の日曜から"
        "木曜の 20:00 に新着論文を公開します。",
        "no-matches": "arXiv の最新リストに、このチャットのトピックに該当する新着論文はありません"
        "でした。/list でトピックを確認し、/subscribe で追加できます（自由記述はタイトルと要旨に"
        "照合されます）。",
        "no-subscriptions": "このチャットにはまだ購読がありません。/subscribe <トピック> から始めて"
        "ください（例：/subscribe cs.CV、/subscribe talking head generation）。",
        "not-ready": "arXiv はまだ今日のリストを公開していません。しばらくしてからもう一度お試し"
        "ください。",
        "failed": "arXiv が応答しないため、ダイジェストを作成できませんでした。数分後にもう一度"
        "お試しください。",
        "send-failed": "ダイジェストの送信に失敗しました。届いた分は繰り返さずに、後で残りを送ります。",
        "unreachable": "ここにダイジェストを投稿できなかったため（{detail}）、このチャットへの"
        f"ダイジェストを停止しました。投稿の権限を戻してから（Discord：{_DISCORD_RIGHTS}）、"
        "何かコマンドを送ると再開します。",
    },
)

_KO = _Texts(
    weekdays=("월", "화", "수", "목", "금", "토", "일"),
    months=tuple(f"{m}월" for m in range(1, 13)),
    day="{y}년 {m}월 {d}일 ({wd})",
    header="📬 {day} arXiv 다이제스트: {topics} 새 논문 {papers}.",
    papers=("{n}편",),
    topics_sep=", ",
    more="{n}편이 더 일치했습니다. /max로 한도를 올리면 더 볼 수 있습니다.",
    weekend="오늘은 새 논문이 없습니다. arXiv는 주말에 발표하지 않습니다.",
    holiday="오늘은 새 논문이 없습니다. arXiv는 공휴일에 발표하지 않습니다.",
    gave_up="오늘의 다이제스트를 만들지 못했습니다. arXiv가 몇 시간 동안 응답하지 않았습니다. "
    "논문은 다음 다이제스트와 함께 오며, arXiv가 복구되면 /digest로 바로 받을 수 있습니다.",
    replies={
        "nothing-new": "지난 다이제스트 이후 새 논문이 없습니다. arXiv는 미국 동부 시간 일요일부터 "
        "목요일 20:00에 새 논문을 발표합니다.",
        "no-matches": "arXiv 최신 목록에 이 채팅의 주제와 일치하는 새 논문이 없습니다. /list로 주제를 "
        "보고 /subscribe로 추가하세요(자유 텍스트는 제목과 초록에서 찾습니다).",
        "no-subscriptions": "이 채팅에는 아직 구독이 없습니다. /subscribe <주제>로 시작하세요. 예: "
        "/subscribe cs.CV 또는 /subscribe talking head generation.",
        "not-ready": "arXiv가 아직 오늘 목록을 발표하지 않았습니다. 잠시 후 다시 시도하세요.",
        "failed": "arXiv가 지금 응답하지 않아 다이제스트를 만들지 못했습니다. 몇 분 후 다시 시도하세요.",
        "send-failed": "다이제스트 전송에 실패했습니다. 이미 도착한 내용은 반복하지 않고 나중에 마저 "
        "보냅니다.",
        "unreachable": "여기에 다이제스트를 올리지 못해({detail}) 이 채팅으로 보내는 다이제스트를 "
        f"중지했습니다. 게시 권한을 돌려준 뒤(Discord: {_DISCORD_RIGHTS}) 아무 명령이나 보내면 "
        "다시 켜집니다.",
    },
)

_DE = _Texts(
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
            "Oktober", "November", "Dezember"),
    day="{wd}, {d}. {mon} {y}",
    header="📬 arXiv-Digest für {day}: {papers} zu {topics}.",
    papers=("{n} neues Paper", "{n} neue Paper"),
    topics_sep=", ",
    more="{n} weitere passten; erhöhen Sie das Limit mit /max, um mehr zu sehen.",
    weekend="Heute keine neuen Paper: arXiv veröffentlicht am Wochenende nicht.",
    holiday="Heute keine neuen Paper: arXiv veröffentlicht an Feiertagen nicht.",
    gave_up="Der heutige Digest kam nicht zustande: arXiv hat stundenlang nicht geantwortet. "
    "Seine Paper kommen mit dem nächsten Digest, oder sofort mit /digest, sobald arXiv wieder "
    "erreichbar ist.",
    replies={
        "nothing-new": "Nichts Neues seit Ihrem letzten Digest. arXiv veröffentlicht neue Paper "
        "sonntags bis donnerstags um 20:00 Uhr US-Ostküstenzeit.",
        "no-matches": "Keine neuen Paper in arXivs neuester Liste passten zu den Themen dieses "
        "Chats. /list zeigt sie; /subscribe fügt weitere hinzu (freier Text wird mit Titeln und "
        "Abstracts abgeglichen).",
        "no-subscriptions": "Dieser Chat hat noch keine Abonnements. Beginnen Sie mit /subscribe "
        "<Thema>, z. B. /subscribe cs.CV oder /subscribe talking head generation.",
        "not-ready": "arXiv hat die heutige Liste noch nicht veröffentlicht. Versuchen Sie es in "
        "Kürze noch einmal.",
        "failed": "arXiv antwortet gerade nicht, daher konnte ich den Digest nicht erstellen. "
        "Bitte versuchen Sie es in ein paar Minuten noch einmal.",
        "send-failed": "Das Senden des Digests ist fehlgeschlagen; er wird später fertig "
        "gesendet, ohne zu wiederholen, was schon angekommen ist.",
        "unreachable": "Ich konnte den Digest hier nicht posten ({detail}), daher sind Digests an "
        "diesen Chat gestoppt. Geben Sie mir das Recht zurück, hier zu posten (auf Discord: "
        f"{_DISCORD_RIGHTS}), und senden Sie dann einen beliebigen Befehl, um sie wieder "
        "einzuschalten.",
    },
)

_FR = _Texts(
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
            "octobre", "novembre", "décembre"),
    day="{wd} {d} {mon} {y}",
    header="📬 Digest arXiv du {day} : {papers} sur {topics}.",
    papers=("{n} nouvel article", "{n} nouveaux articles"),
    topics_sep=", ",
    more="{n} autres correspondaient ; augmentez la limite avec /max pour les voir.",
    weekend="Pas de nouveaux articles aujourd'hui : arXiv ne publie pas le week-end.",
    holiday="Pas de nouveaux articles aujourd'hui : arXiv ne publie pas les jours fériés.",
    gave_up="Le digest du jour n'a pas pu être préparé : arXiv n'a pas répondu pendant des "
    "heures. Ses articles viendront avec le prochain digest, ou tout de suite avec /digest "
    "quand arXiv sera revenu.",
    replies={
        "nothing-new": "Rien de nouveau depuis votre dernier digest. arXiv annonce de nouveaux "
        "articles du dimanche au jeudi à 20 h, heure de l'Est des États-Unis.",
        "no-matches": "Aucun nouvel article de la dernière liste d'arXiv ne correspond aux sujets "
        "de ce chat. /list les affiche ; /subscribe en ajoute (le texte libre est comparé aux "
        "titres et aux résumés).",
        "no-subscriptions": "Ce chat n'a encore aucun abonnement. Commencez par /subscribe "
        "<sujet>, par ex. /subscribe cs.CV ou /subscribe talking head generation.",
        "not-ready": "arXiv n'a pas encore publié la liste du jour. Réessayez dans un moment.",
        "failed": "arXiv ne répond pas pour le moment, je n'ai donc pas pu préparer le digest. "
        "Réessayez dans quelques minutes.",
        "send-failed": "L'envoi du digest a échoué ; il sera terminé plus tard, sans répéter ce "
        "qui est déjà arrivé.",
        "unreachable": "Je n'ai pas pu publier le digest ici ({detail}), les digests de ce chat "
        "sont donc arrêtés. Rendez-moi le droit de publier ici (sur Discord : "
        f"{_DISCORD_RIGHTS}), puis envoyez n'importe quelle commande pour les réactiver.",
    },
)

_ES = _Texts(
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre"),
    day="{wd} {d} de {mon} de {y}",
    header="📬 Resumen de arXiv del {day}: {papers} sobre {topics}.",
    papers=("{n} artículo nuevo", "{n} artículos nuevos"),
    topics_sep=", ",
    more="{n} más coincidieron; suba el límite con /max para verlos.",
    weekend="Hoy no hay artículos nuevos: arXiv no publica los fines de semana.",
    holiday="Hoy no hay artículos nuevos: arXiv no publica en días festivos.",
    gave_up="No se pudo preparar el resumen de hoy: arXiv no respondió durante horas. Sus "
    "artículos llegarán con el próximo resumen, o ahora con /digest cuando arXiv vuelva.",
    replies={
        "nothing-new": "Nada nuevo desde su último resumen. arXiv anuncia artículos nuevos de "
        "domingo a jueves a las 20:00, hora del este de EE. UU.",
        "no-matches": "Ningún artículo nuevo de la última lista de arXiv coincide con los temas "
        "de este chat. /list los muestra; /subscribe añade más (el texto libre se busca en "
        "títulos y resúmenes).",
        "no-subscriptions": "Este chat aún no tiene suscripciones. Empiece con /subscribe "
        "<tema>, p. ej. /subscribe cs.CV o /subscribe talking head generation.",
        "not-ready": "arXiv aún no ha publicado la lista de hoy. Inténtelo de nuevo en un rato.",
        "failed": "arXiv no responde en este momento, así que no pude preparar el resumen. "
        "Inténtelo de nuevo en unos minutos.",
        "send-failed": "El envío del resumen falló; se terminará más tarde, sin repetir lo que ya "
        "llegó.",
        "unreachable": "No pude publicar el resumen aquí ({detail}), así que los resúmenes a este "
        "chat se han detenido. Devuélvame el permiso para publicar aquí (en Discord: "
        f"{_DISCORD_RIGHTS}) y envíe cualquier comando para reactivarlos.",
    },
)

_RU = _Texts(
    weekdays=("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    months=("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
            "сентября", "октября", "ноября", "декабря"),
    day="{wd}, {d} {mon} {y}",
    header="📬 Дайджест arXiv за {day} — {topics}: {papers}.",
    papers=("{n} новая статья", "{n} новые статьи", "{n} новых статей"),
    topics_sep=", ",
    more="Подошло ещё {n}; увеличьте лимит командой /max, чтобы увидеть больше.",
    weekend="Сегодня новых статей нет: arXiv не публикует по выходным.",
    holiday="Сегодня новых статей нет: arXiv не публикует в праздники.",
    gave_up="Сегодняшний дайджест собрать не удалось: arXiv не отвечал несколько часов. Его "
    "статьи придут со следующим дайджестом или сразу по /digest, когда arXiv снова заработает.",
    replies={
        "nothing-new": "С прошлого дайджеста ничего нового. arXiv публикует новые статьи с "
        "воскресенья по четверг в 20:00 по восточному времени США.",
        "no-matches": "В последнем списке arXiv нет новых статей по темам этого чата. /list "
        "покажет темы; /subscribe добавит новые (свободный текст ищется в названиях и "
        "аннотациях).",
        "no-subscriptions": "У этого чата пока нет подписок. Начните с /subscribe <тема>, "
        "например /subscribe cs.CV или /subscribe talking head generation.",
        "not-ready": "arXiv ещё не опубликовал сегодняшний список. Попробуйте чуть позже.",
        "failed": "arXiv сейчас не отвечает, поэтому собрать дайджест не удалось. Попробуйте "
        "через несколько минут.",
        "send-failed": "Отправить дайджест не удалось; он будет дослан позже, без повтора уже "
        "доставленного.",
        "unreachable": "Мне не удалось опубликовать дайджест здесь ({detail}), поэтому дайджесты "
        "в этот чат остановлены. Верните мне право писать здесь (в Discord: "
        f"{_DISCORD_RIGHTS}), затем отправьте любую команду, чтобы включить их снова.",
    },
)

_TEXTS: dict[str, _Texts] = {
    "en": _EN, "zh": _ZH, "ja": _JA, "ko": _KO, "de": _DE, "fr": _FR, "es": _ES, "ru": _RU,
}


def _texts(language: str) -> tuple[str, _Texts]:
    """The language's base code and table (``zh-CN`` → zh); English when we have none."""
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return (code, _TEXTS[code]) if code in _TEXTS else ("en", _EN)


def digest_date(day: date, language: str) -> str:
    """``Tue 17 Nov 2026`` / ``2026年11月17日（周二）``: a digest's date as its readers write it."""
    _, t = _texts(language)
    return t.day.format(wd=t.weekdays[day.weekday()], d=day.day, dd=f"{day.day:02d}", m=day.month,
                        mon=t.months[day.month - 1], y=day.year)


def digest_header(
    day: date, count: int, topics: Sequence[str], language: str, *, more: int = 0
) -> str:
    """The line before a digest's papers: date, how many, on what; and how many more matched
    than ``/max`` lets through."""
    code, t = _texts(language)
    forms = t.papers
    papers = forms[min(_PLURAL.get(code, _plural_one)(count), len(forms) - 1)].format(n=count)
    text = t.header.format(day=digest_date(day, language), papers=papers,
                           topics=t.topics_sep.join(topics))
    return f"{text}\n{t.more.format(n=more)}" if more > 0 else text


def quiet_text(reason: str, language: str) -> str:
    """The optional note for a weekend (``reason == "weekend"``) or holiday without papers."""
    _, t = _texts(language)
    return t.weekend if reason == "weekend" else t.holiday


def gave_up_text(language: str) -> str:
    """What a chat is told when its digest could not be built for hours (arXiv down)."""
    return _texts(language)[1].gave_up


def digest_reply(status: str, language: str, *, detail: str = "") -> str | None:
    """/digest's answer when it sent nothing (by outcome status); None when it needs none."""
    text = _texts(language)[1].replies.get(status)
    return None if text is None else text.format(detail=detail)
