"""Just enough Markdown to HTML for rule docs: headings, paragraphs, bullet lists,
fenced code, inline code and links. The docs are ours, so the subset is known."""

from __future__ import annotations

import re
from html import escape

_INLINE = re.compile(r"`([^`]+)`|\[([^\]]+)\]\((https?://[^)\s]+)\)|(https?://[^\s)<>]+)")


def inline(text: str) -> str:
    out, last = [], 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[last : match.start()]))
        code, label, url, bare = match.groups()
        if code is not None:
            out.append(f"<code>{escape(code)}</code>")
        elif label is not None:
            out.append(f'<a href="{escape(url)}" rel="noreferrer">{escape(label)}</a>')
        else:
            out.append(f'<a href="{escape(bare)}" rel="noreferrer">{escape(bare)}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def to_html(markdown: str) -> str:
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if paragraph:
            blocks.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in markdown.splitlines():
        if code is not None:
            if line.strip().startswith("```"):
                blocks.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            code = []
        elif stripped.startswith("#"):
            flush()
            level = min(6, len(stripped) - len(stripped.lstrip("#")) + 2)
            blocks.append(f"<h{level}>{inline(stripped.lstrip('#').strip())}</h{level}>")
        elif stripped.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(stripped[2:])
        elif not stripped:
            flush()
        elif items:
            items[-1] += " " + stripped
        else:
            paragraph.append(stripped)
    if code is not None:
        blocks.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
    flush()
    return "\n".join(blocks)
