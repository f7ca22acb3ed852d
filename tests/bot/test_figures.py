"""A paper's figures in chats: from arXiv's HTML images or PDF crops, after the card, within
each platform's rules; reposted only when the licence allows, else a link. Real clients
(python-telegram-bot, discord.py) against their fakes; the arXiv fake serves PDFs and HTML."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pydantic import SecretStr

from config.settings import FiguresSettings, Settings
from tests.bot.test_discord_bot import PAPERS, READER, answer
from tests.bot.test_discord_bot import make_settings as discord_settings
from tests.bot.test_discord_bot import running as discord_running
from tests.bot.test_telegram_bot import USER, make_settings, running
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.discord_api import DiscordFake
from tests.fakes.telegram_api import TelegramFake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CITESEE_PDF = (FIXTURES / "pdfs" / "2302.07302v1.pdf").read_bytes()  # eight figures


def with_figures(settings: Settings, policy: str = "always", n: int = 4) -> Settings:
    return settings.model_copy(update={"figures": FiguresSettings(policy=policy, max_per_paper=n)})  # type: ignore[arg-type]


def _png(width: int, height: int, colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


async def test_telegram_summarize_sends_the_card_then_an_album(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    """/summarize: the card first, then the first four figures as one album, each photo with
    its caption (≤ 1024 characters), the teaser first."""
    arxiv_server.add_pdf("2410.13726v2", CITESEE_PDF)
    async with TelegramFake(token="123456:AAfiguresTestTokenNeverLogged01234") as tg:
        settings = with_figures(make_settings(tmp_path, tg, arxiv_server))
        settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(
            update={"token": SecretStr("123456:AAfiguresTestTokenNeverLogged01234")})})
        async with running(settings, tg):
            tg.user_message(USER, "/summarize 2410.13726")
            sent = await tg.wait_for_messages(5, chat_id=USER, timeout=15)
    card, album = sent[0], sent[1:5]
    assert card.method == "sendMessage" and card.visible.startswith("DAWN")
    assert [m.method for m in album] == ["sendMediaGroup"] * 4
    assert len({m.media_group_id for m in album}) == 1
    assert (album[0].caption or "").startswith("Figures from arXiv:2410.13726v2\nFigure 1")
    assert [(m.caption or "").split("\n")[-1].split(":")[0] for m in album] == [
        "Figure 1", "Figure 2", "Figure 3", "Figure 4"]
    assert all(len(m.caption or "") <= 1024 for m in album)
    first = Image.open(io.BytesIO(album[0].photo))  # type: ignore[arg-type]
    assert max(first.size) <= 2000 and first.size[0] + first.size[1] <= 10000


async def test_telegram_figures_button_respects_the_licence(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    """policy licensed and a paper without a reuse licence: nothing is reposted; the Figures
    button answers with where to see them."""
    arxiv_server.add_pdf("2410.13726v2", CITESEE_PDF)
    token = "123456:AAfiguresLicenceTokenNeverLogged012"
    async with TelegramFake(token=token) as tg:
        settings = with_figures(make_settings(tmp_path, tg, arxiv_server), policy="licensed")
        settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(
            update={"token": SecretStr(token)})})
        async with running(settings, tg):
            tg.user_message(USER, "/summarize 2410.13726")
            [card] = await tg.wait_for_messages(1, chat_id=USER, timeout=15)
            [button] = [b for row in card.buttons for b in row if b.get("callback_data")]
            tg.callback_query(USER, card.message_id, button["callback_data"])
            messages = await tg.wait_for_messages(2, chat_id=USER, timeout=15)
    assert button["text"] == "Figures"
    assert "does not let me repost them" in messages[-1].visible
    assert "https://arxiv.org/abs/2410.13726v2" in messages[-1].visible
    assert all(m.method == "sendMessage" for m in messages)


async def test_discord_summarize_attaches_the_html_figures(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    """A CC BY paper with an HTML rendering: /summarize posts the card, then its figures (the
    HTML's own images) as attachments of a follow-up, under their captions."""
    page = (FIXTURES / "html" / "2401.00001v1.html").read_text()
    arxiv_server.add_paper("2401.00001", 1, "Sparse lattice adapters", ["A. Author"],
                           "We adapt encoders with sparse lattices. It works.")
    arxiv_server.add_html("2401.00001v1", page, {
        "x1.png": _png(830, 315, "navy"),
        "extracted/5321/panel-a.jpg": _png(200, 200, "green"),
        "extracted/5321/panel-b.jpg": _png(200, 200, "red"),
    })
    async with DiscordFake("MTA5.GaBcDe.figuresDiscordToken0123456789abcd", bot_id=4242) as dc:
        from tests.bot.test_discord_bot import GUILD, MOD

        dc.add_guild(GUILD, "readers", channels={PAPERS: "papers"})
        dc.add_member(GUILD, MOD, "mod", manage_channels=True)
        settings = with_figures(discord_settings(tmp_path, dc, arxiv_server), policy="licensed")
        settings = settings.model_copy(update={"discord": settings.discord.model_copy(
            update={"token": SecretStr("MTA5.GaBcDe.figuresDiscordToken0123456789abcd")})})
        async with discord_running(settings, dc):
            card = await answer(dc, "summarize", {"link": "2401.00001"}, user=READER)
            messages = await dc.wait_for_messages(2, channel_id=PAPERS, timeout=15)
    figures = messages[-1]
    assert card.embeds[0]["title"] == "Sparse lattice adapters"
    assert [f.filename for f in figures.files][:1] == ["figure-1.png"]
    assert figures.content.startswith(  # the credit in small print, then the captions
        "-# Figures from arXiv:2401.00001v1, CC BY 4.0\nFigure 1: Overview of a sparse lattice")
    assert not figures.ephemeral


async def test_on_demand_papers_get_their_licence_from_the_abstract_page(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    """Default policy (licensed), a paper asked for on demand (the API has no licence): the
    abstract page's CC BY link lets its figures be reposted, with the credit and licence."""
    arxiv_server.add_pdf("2410.13726v2", CITESEE_PDF)
    arxiv_server.set_licence("2410.13726v2", "http://creativecommons.org/licenses/by/4.0/")
    token = "123456:AAfiguresAbsLicenceTokenNeverLogged0"
    async with TelegramFake(token=token) as tg:
        settings = make_settings(tmp_path, tg, arxiv_server)
        settings = settings.model_copy(update={
            "telegram": settings.telegram.model_copy(update={"token": SecretStr(token)}),
            "arxiv": settings.arxiv.model_copy(update={"abs_url": arxiv_server.abs_url}),
        })
        async with running(settings, tg):
            tg.user_message(USER, "/summarize 2410.13726")
            sent = await tg.wait_for_messages(5, chat_id=USER, timeout=15)
    assert (sent[1].caption or "").startswith("Figures from arXiv:2410.13726v2, CC BY 4.0")
