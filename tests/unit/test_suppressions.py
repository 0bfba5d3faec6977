from __future__ import annotations

from archguard.core.facts import Suppression
from archguard.scan.suppressions import find_suppressions


def test_comment_forms() -> None:
    lines = [
        'x = "a"  # archguard: ignore[AG101]',
        "# archguard: ignore[AG102, AG101]",
        "# archguard: ignore-file[AG103]",
        "y = 1  # archguard: ignore",
        'doc = "use ``# archguard: ignore[...]`` on the line"',
        "s = '# archguard: ignore[AG101]'",
    ]
    assert find_suppressions(lines) == (
        Suppression(1, ("AG101",), own_line=False),
        Suppression(2, ("AG101", "AG102"), own_line=True),
        Suppression(3, ("AG103",), own_line=True, file_level=True),
        Suppression(4, (), own_line=False),
    )
