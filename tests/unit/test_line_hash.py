"""GitHub's primaryLocationLineHash, against codeql-action's own test vectors."""

from __future__ import annotations

import pytest

from archguard.scan.line_hash import line_hashes

GREETINGS = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["c129715d7a2bc9a3:1"]),
        (
            " a\nb\n  \t\tc\n d",
            ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
        ),
        (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", GREETINGS),
        (" hello; \t\rworld!!!\r\r\r  \t\tGreetings\r End\r", GREETINGS),
        (" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", GREETINGS),
        (
            "Lorem ipsum dolor sit amet.\n" * 10,
            [f"a7f2ff13bc495cf2:{i}" for i in range(1, 7)]
            + [
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1",
            ],
        ),
    ],
)
def test_vectors(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert [hashes[i] for i in sorted(hashes)] == expected


def _reference(text: str) -> dict[int, str]:
    """codeql-action's per-character algorithm, transcribed directly, for comparison."""
    window, numbers = [0] * 100, [-1] * 100
    state = {"h": 0, "i": 0, "line": 0, "start": True, "cr": False}
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    first = pow(37, 100, 1 << 64)

    def emit() -> None:
        v = format(state["h"], "x")
        counts[v] = counts.get(v, 0) + 1
        out[numbers[state["i"]]] = f"{v}:{counts[v]}"
        numbers[state["i"]] = -1

    def update(c: int) -> None:
        old = window[state["i"]]
        window[state["i"]] = c
        state["h"] = (37 * state["h"] + c - first * old) & ((1 << 64) - 1)
        state["i"] = (state["i"] + 1) % 100

    def process(c: int) -> None:
        if c in (32, 9) or (state["cr"] and c == 10):
            state["cr"] = False
            return
        state["cr"] = c == 13
        c = 10 if c == 13 else c
        if numbers[state["i"]] != -1:
            emit()
        if state["start"]:
            state["start"] = False
            state["line"] += 1
            numbers[state["i"]] = state["line"]
        if c == 10:
            state["start"] = True
        update(c)

    data = text.encode("utf-16-le", "surrogatepass")
    for k in range(0, len(data), 2):
        process(data[k] | data[k + 1] << 8)
    process(65535)
    for _ in range(100):
        if numbers[state["i"]] != -1:
            emit()
        update(0)
    return out


@pytest.mark.parametrize(
    "text",
    ["a\r \nb", "x\r\r\ny \t\n\n", "déjà vu 😀\nline\n" * 30, "\n\n\n", "  \t", "a" * 250 + "\nb"],
)
def test_matches_the_per_character_algorithm(text: str) -> None:
    assert line_hashes(text) == _reference(text)


def test_stopping_at_a_line_gives_the_same_hashes_up_to_it() -> None:
    text = "def f():\n    return 1\n" * 40 + "x = 1\n"
    whole = line_hashes(text)
    for upto in (1, 2, 17, 80, 81):
        part = line_hashes(text, upto)
        assert part == {line: h for line, h in whole.items() if line <= upto}
