"""Resuming a send mid-reply: the parts already out are left out only if the reply still
renders the same way; a card written again differently is sent whole."""

from __future__ import annotations

import pytest

from bot.core.ports import skip_parts


@pytest.mark.parametrize(("skip", "parts", "rendered", "expected"), [
    (1, 3, 3, 1),      # the same card: go on with its second part
    (1, 3, 2, 0),      # rendered differently now: whole, rather than lose a part
    (2, None, 3, 2),   # recorded before the total was kept: as before
    (5, 5, 5, 5),      # everything went out
    (0, None, 4, 0),
])
def test_skip_only_what_went_out_of_the_same_reply(
    skip: int, parts: int | None, rendered: int, expected: int
) -> None:
    assert skip_parts(skip, parts, rendered) == expected
