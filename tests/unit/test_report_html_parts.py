"""The HTML report's pieces: rule docs as HTML, redacted excerpts, an empty report."""

from __future__ import annotations

from archguard.core.architecture import ArchitectureView
from archguard.core.report import ScanReport
from archguard.report import html
from archguard.report.context import RenderContext
from archguard.report.excerpts import MASK, redact
from archguard.report.markdown import to_html


def test_markdown_subset() -> None:
    out = to_html(
        "## Example\nSome `code` and [a link](https://example.org/x).\n\n"
        "- one\n- two <b>\n\n```python\nx = '<tag>'\n```\n"
    )
    assert "<h4>Example</h4>" in out
    assert (
        "<code>code</code>" in out
        and '<a href="https://example.org/x" rel="noreferrer">a link</a>' in out
    )
    assert "<ul><li>one</li><li>two &lt;b&gt;</li></ul>" in out
    assert "<pre><code>x = &#x27;&lt;tag&gt;&#x27;</code></pre>" in out


def test_redaction_blanks_credentials_tokens_and_url_passwords() -> None:
    assert redact('API_KEY = "hello"', force=False) == f'API_KEY = "{MASK}"'
    assert (
        redact('URL = "https://hooks.slack.com/services/T0/B0/q7Wm2Xc9Vb4Nz8Lk3Jh6"', force=False)
        == f'URL = "{MASK}"'
    )
    assert redact('DSN = "postgres://app:hunter2@db/app"', force=False) == f'DSN = "{MASK}"'
    assert (
        redact('engine = create("postgres://app:hunter2@db/app")', force=False)
        == f'engine = create("{MASK}")'
    )
    # Ordinary code stays readable.
    assert (
        redact('return {"status": "ok", "items": items}', force=False)
        == 'return {"status": "ok", "items": items}'
    )
    # On a secret finding's own line everything string-like goes, comments included.
    assert (
        redact('x = "plain words"  # ghp_a1b2c3d4e5f6g7h8i9j0', force=True)
        == f'x = "{MASK}"  # {MASK}'
    )


def test_an_empty_report_renders() -> None:
    empty = ScanReport((), (), (), 1, 1, 0, 0)
    page = html.render(
        empty, RenderContext(architecture=ArchitectureView((), (), (), ()), title="empty")
    )
    assert "No errors or warnings found." in page and "No findings." in page
    assert "No HTTP routes found." in page
