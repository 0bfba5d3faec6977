"""The progress display: only on a terminal, never in CI or with --quiet, and only for
scans that take a while."""

from __future__ import annotations

import io

import pytest

from archguard import cli


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert cli._Progress.wanted(quiet=False)
    assert not cli._Progress.wanted(quiet=True)
    monkeypatch.setenv("CI", "true")
    assert not cli._Progress.wanted(quiet=False)
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr", io.StringIO())  # piped
    assert not cli._Progress.wanted(quiet=False)


def test_progress_waits_then_redraws_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    progress = cli._Progress()
    progress(1, 10, 0)
    assert screen.getvalue() == "", "nothing during the first two seconds"
    progress.start -= 5
    progress(3, 10, 1)
    progress(10, 10, 1)
    assert screen.getvalue().endswith(
        "\rarchguard: 10/10 files (1 from cache)".replace("\r", "\r\033[K")
    )
    progress.close()
    assert screen.getvalue().endswith("\r\033[K")
