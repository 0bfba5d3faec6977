"""What a Django or Jinja template reads from the rows it loops over.

A template is text, not Python: it is never rendered, only tokenised. Its ``{% for %}``
loops over context variables (``{% for b in books %}``) are kept with the attribute
paths read from each row inside them (``{{ b.author.name }}`` reads ``author__name``),
including loops over a row's relation (``{% for t in b.tags.all %}``), whose reads are
prefixed with it. The project pass maps the context variable to the query a view hands
the template (see ``consumption``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archguard.core.orm import TemplateFacts, TemplateLoop, TemplateUse

#: Where templates live: Django's and Flask's ``templates`` folders, Django's Jinja2
#: backend's ``jinja2`` folders.
TEMPLATE_DIRS = frozenset({"templates", "jinja2"})
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".djhtml", ".tpl", ".txt")

_TOKEN = re.compile(r"\{%-?\s*(.*?)\s*-?%\}|\{\{-?\s*(.*?)\s*-?\}\}|\{#.*?#\}", re.S)
_FOR = re.compile(r"^for\s+(?P<targets>[\w\s,()]+?)\s+in\s+(?P<source>.+?)(?:\s+reversed)?$", re.S)
_CHAIN = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")
_STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")
_SKIP_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim", "raw": "endraw"}
#: A last path segment that calls a related manager rather than reading a relation.
MANAGER_CALLS = frozenset(
    {"all", "count", "exists", "first", "last", "values", "values_list", "filter", "order_by"}
)


@dataclass
class _Frame:
    """An open ``{% for %}``: its loop variable's index in ``loops`` and the relation
    prefix a row of it stands at (``""`` for a context variable's own rows)."""

    var: str
    loop: int
    prefix: str


@dataclass
class _Loop:
    line: int
    source: str
    unpacked: bool = False
    uses: list[TemplateUse] = field(default_factory=list)


def template_facts(text: str) -> TemplateFacts:
    """The loops of a template and what each reads from its rows."""
    loops: list[_Loop] = []
    frames: list[_Frame | None] = []  # None: a loop over something else (a dict, a range)
    skipping = ""
    line, counted = 1, 0
    for match in _TOKEN.finditer(text):
        tag, variable = match.group(1), match.group(2)
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if skipping:
            if tag is not None and tag.split()[:1] == [skipping]:
                skipping = ""
            continue
        if tag is not None:
            words = tag.split()
            head = words[0] if words else ""
            if head in _SKIP_BLOCKS:
                skipping = _SKIP_BLOCKS[head]
                continue
            if head == "endfor" and frames:
                frames.pop()
                continue
            found = _FOR.match(tag)
            if found is not None:
                _reads(found.group("source").split(" if ")[0], line, frames, loops, loop=True)
                frames.append(_enter(found, line, frames, loops))
                continue
            _reads(tag, line, frames, loops)
        elif variable is not None:
            _reads(variable, line, frames, loops)
    return TemplateFacts(
        loops=tuple(
            TemplateLoop(loop.line, loop.source, tuple(loop.uses), loop.unpacked) for loop in loops
        )
    )


def _enter(
    found: re.Match[str], line: int, frames: list[_Frame | None], loops: list[_Loop]
) -> _Frame | None:
    targets = [t.strip("() ") for t in found.group("targets").split(",")]
    source = _chain_of(found.group("source"))
    if not all(t.isidentifier() for t in targets) or not source:
        return None
    parts = source.split(".")
    outer = _frame(frames, parts[0])
    if len(targets) > 1:
        if outer is not None:
            return None
        # ``{% for post, user in posts.items %}``: rows of several entities, the model's
        # instance first (whether they are tuples is the view's query to say).
        loops.append(_Loop(line, source, unpacked=True))
        return _Frame(targets[0], len(loops) - 1, "")
    if outer is not None:
        # ``{% for t in b.tags.all %}``: the rows of a row's relation.
        rest = parts[1:]
        if rest and rest[-1] in MANAGER_CALLS:
            rest = rest[:-1]
        if not rest:
            return None
        return _Frame(targets[0], outer.loop, _join(outer.prefix, "__".join(rest)))
    loops.append(_Loop(line, source))
    return _Frame(targets[0], len(loops) - 1, "")


def _reads(
    expr: str,
    line: int,
    frames: list[_Frame | None],
    loops: list[_Loop],
    loop: bool = False,
) -> None:
    """Records every attribute path read from a loop's rows in ``expr``."""
    for chain in _CHAIN.findall(_STRINGS.sub("''", expr)):
        parts = chain.split(".")
        frame = _frame(frames, parts[0])
        if frame is None:
            continue
        rest = parts[1:]
        call = ""
        if rest[-1] in MANAGER_CALLS and len(rest) > 1:
            call = rest[-1]
            rest = rest[:-1]
        elif loop and len(rest) >= 1:
            call = "all"  # ``{% for t in b.tags %}`` (Jinja) iterates the collection
        loops[frame.loop].uses.append(TemplateUse(line, _join(frame.prefix, "__".join(rest)), call))


def _frame(frames: list[_Frame | None], name: str) -> _Frame | None:
    for frame in reversed(frames):
        if frame is not None and frame.var == name:
            return frame
    return None


def _chain_of(expr: str) -> str:
    """The dotted name a loop iterates: ``books``, ``object.lines.all`` (filters, a
    Jinja call's parentheses and an ``if`` clause dropped)."""
    head = expr.split("|")[0].split(" if ")[0].strip()
    head = re.sub(r"\(\s*\)$", "", head)
    return head if re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", head) else ""


def _join(prefix: str, path: str) -> str:
    return f"{prefix}__{path}" if prefix and path else prefix or path


def is_template_path(path: str) -> bool:
    """A template file: under a ``templates`` (or ``jinja2``) folder, with a template
    suffix."""
    parts = path.split("/")
    return path.endswith(TEMPLATE_SUFFIXES) and any(p in TEMPLATE_DIRS for p in parts[:-1])
