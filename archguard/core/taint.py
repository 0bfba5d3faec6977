"""Per-function taint summaries: where each function's values come from and where they go.

The per-file pass writes one summary per function from the one ``ast`` tree; the
repository pass joins them over the call graph. They say nothing about what is a
request value yet: a parameter is only a parameter until the route inventory says whose
handler it is. They are plain values, cached with the file's other facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: What a sink does with the value it receives. Rules pick the kinds they report.
SINK_KINDS = frozenset(
    {
        # The text of an SQL statement.
        "sql",
        # The name of a file that is opened, written or created.
        "path",
        # Bytes that are stored: a file's content, an upload saved.
        "store",
        # Bytes that are turned back into objects by a format that can run code.
        "deserialize",
        # A shell command line.
        "command",
    }
)
#: What a source's value is. Every request value is ``request``; an upload object is
#: also ``upload``, and the name its client gave it also ``filename``.
SOURCE_KINDS = frozenset({"request", "upload", "filename"})
#: A sanitizer that makes a value harmless for every sink (a number, a boolean).
ALL_KINDS = "all"


class Root(str, Enum):
    """Where a flow starts inside one function."""

    #: The function's parameter at ``Flow.index``.
    PARAM = "param"
    #: A module-level object a library provides (``flask.request``), named by ``Flow.name``.
    GLOBAL = "global"
    #: The value returned by the call site numbered ``Flow.index``.
    CALL = "call"


@dataclass(frozen=True, order=True)
class Step:
    """One place a value passes through, inside the function being summarised."""

    line: int
    column: int
    #: What happens there: ``name = ...``, ``f-string``, ``passed to find_user()``.
    note: str


@dataclass(frozen=True, order=True)
class Flow:
    """A value at one point of a function, by its origin and what happened to it."""

    root: Root
    index: int = 0
    name: str = ""
    #: Attributes read and methods called on the origin (``("files", "filename")``,
    #: ``("GET", "get()")``), at most a few: what a source model is matched against.
    path: tuple[str, ...] = ()
    #: Spliced into text: an f-string, ``%``, ``.format``, ``+`` or ``join``.
    built: bool = False
    #: Passed through a call's result (not the origin object itself any more).
    derived: bool = False
    #: Passed through a call that nothing resolved: kept (conservative), less certain.
    unresolved: bool = False
    #: Sink kinds (or ``all``) a sanitizer made the value safe for.
    cleared: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, order=True)
class Param:
    name: str
    #: Qualified name of the annotation's class (``fastapi.UploadFile``), if any.
    annotation: str = ""
    #: Qualified name of the default's callee (``fastapi.Depends``, ``fastapi.Query``).
    default: str = ""
    #: "" for an ordinary parameter, ``*`` for ``*args``, ``**`` for ``**kwargs``.
    star: str = ""
    line: int = 0
    column: int = 0


@dataclass(frozen=True, order=True)
class Argument:
    """What one argument of a call carries. ``position`` -1 is the receiver of a
    method call; a keyword argument has its ``keyword`` and position -2."""

    position: int
    flows: tuple[Flow, ...]
    keyword: str = ""
    #: A ``*args`` or ``**kwargs`` argument: it may fill any parameter from here on.
    starred: bool = False


@dataclass(frozen=True, order=True)
class CallSite:
    """A call the per-file pass could not decide: a project function, a method of a
    class, or a library it has no model of. The repository pass resolves it."""

    index: int
    line: int
    column: int
    #: Qualified name of the callee (``app.repo.find_user``), or of the receiver's class
    #: for a method call; "" when the receiver's class is unknown.
    target: str
    #: The method name, for calls on a receiver.
    method: str = ""
    #: ``self``, ``super`` or ``typed`` (the receiver's class is known), "" otherwise.
    receiver: str = ""
    arguments: tuple[Argument, ...] = ()
    #: How the call reads in the code, for messages: ``repo.find_user()``.
    text: str = ""


@dataclass(frozen=True, order=True)
class SinkUse:
    """A value arriving where a sink kind matters (or, for ``check``, a value tested
    in a condition: a type or size check of an upload)."""

    kind: str
    #: The sink as written: ``cursor.execute``, ``pickle.loads``.
    callee: str
    line: int
    column: int
    flows: tuple[Flow, ...]
    #: ``served``: the path names a folder the app serves (static, templates).
    note: str = ""


@dataclass(frozen=True)
class FunctionSummary:
    #: ``func``, ``Class.method`` or ``outer.inner`` within its module.
    name: str
    line: int
    params: tuple[Param, ...] = ()
    #: The enclosing class (``Class`` within the module) of a method.
    owner: str = ""
    calls: tuple[CallSite, ...] = ()
    sinks: tuple[SinkUse, ...] = ()
    returns: tuple[Flow, ...] = ()
    #: ``graphql`` for a GraphQL resolver (its arguments after ``info`` are request data).
    role: str = ""
    #: Qualified names of its decorators.
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class ClassSummary:
    name: str
    line: int
    #: Qualified names of the bases.
    bases: tuple[str, ...] = ()
    #: (attribute, qualified class) for attributes of a known class (``self.repo``).
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TaintFacts:
    functions: tuple[FunctionSummary, ...] = ()
    classes: tuple[ClassSummary, ...] = ()


@dataclass(frozen=True, order=True)
class ModelEntry:
    """One source, sink or sanitizer named by a qualified name: a function
    (``myapp.db.run_raw``), a method of a class (``myapp.db.Database.run_raw``) or a
    method on any receiver (``*.run_raw``). The built-in ones are in ``rules/taint/``;
    a project adds its own in ``[tool.archguard.taint]``."""

    #: ``source``, ``sink`` or ``sanitizer``.
    role: str
    call: str
    #: A source's kinds, a sink's one kind, or the kinds a sanitizer makes safe.
    kinds: tuple[str, ...]
    #: For sinks: the arguments that matter, as positions ("0"), keywords ("sql") or
    #: "receiver".
    arguments: tuple[str, ...] = ()
    #: Where it was declared, for messages.
    origin: str = ""
