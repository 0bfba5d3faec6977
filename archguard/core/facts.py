"""Facts extracted from one module: what the repo pass and cross-file rules work from.

They are plain values so that they can be cached by content hash and shipped between
processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from archguard.core.orm import OrmFacts
from archguard.core.taint import TaintFacts
from archguard.core.web import WebFacts


class ImportKind(str, Enum):
    #: Executed when the module is imported.
    MODULE = "module"
    #: Under ``if TYPE_CHECKING:``; never executed at run time.
    TYPE_CHECKING = "type_checking"
    #: Inside a function or method body; executed on call.
    FUNCTION = "function"
    #: ``importlib.import_module("literal")`` or ``__import__("literal")``.
    DYNAMIC = "dynamic"
    #: A module named in a string the framework imports lazily: Django's
    #: ``ForeignKey("orders.Order")``, ``INSTALLED_APPS``, ``include("shop.urls")``.
    FRAMEWORK = "framework"


@dataclass(frozen=True, order=True)
class ImportFact:
    """One imported target.

    ``module`` is absolute (relative imports resolved against the importing module).
    For ``from a.b import c``, ``module`` is ``a.b`` and ``name`` is ``c``: whether
    ``a.b.c`` is a module or an attribute is decided once all modules are known.
    """

    module: str
    name: str
    line: int
    column: int
    kind: ImportKind
    #: Name bound in the importing module (``None`` for dynamic imports and ``*``).
    alias: str | None = None


@dataclass(frozen=True, order=True)
class Definition:
    """A top-level function, class or assigned name."""

    name: str
    kind: str  # "function" | "class" | "variable"
    line: int
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suppression:
    """An ``# archguard: ignore[...]`` comment. Empty ``rule_ids`` means every rule."""

    line: int
    rule_ids: tuple[str, ...]
    #: The comment stands alone on its line, so it covers the next line too.
    own_line: bool
    file_level: bool = False


@dataclass(frozen=True, order=True)
class FunctionShape:
    """The shape of one function or method body, for the structural rules: how big and
    branchy it is, whether it talks to the database, and a fingerprint of its logic."""

    #: ``func`` or ``Class.method`` within its module.
    name: str
    line: int
    end_line: int
    #: Statements in the body, nested ones included.
    statements: int
    #: McCabe's cyclomatic complexity: 1 + decision points.
    complexity: int
    #: sha256 prefix of the body with identifiers and literals abstracted away, so that
    #: a copy with renamed variables hashes the same.
    body_hash: str
    #: Touches persistence directly: an ORM session, ``.objects``, ``.query``, a cursor.
    persistence: bool = False
    #: Computes on data: arithmetic, a comparison of loaded values, or several loops
    #: and data-driven branches (request, user and None checks are glue, not logic).
    logic: bool = False


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    line_count: int
    imports: tuple[ImportFact, ...] = ()
    definitions: tuple[Definition, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    #: Routes, routers, views and guards; None for modules with no web code.
    web: WebFacts | None = None
    #: Every function and method, in source order.
    functions: tuple[FunctionShape, ...] = ()
    #: Models, serializers, queries and their consumption; None for modules with no
    #: database code.
    orm: OrmFacts | None = None
    #: Each function's taint summary; None for modules without functions.
    taint: TaintFacts | None = None
