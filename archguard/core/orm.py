"""Database facts of one module: its classes as written (models, serializers, admins,
views and schemas are told apart later, once every module's classes are known) and,
per function, what its queries load and where their rows are consumed.

Relation paths are Django lookups: attribute names joined by ``__`` (``author__publisher``),
for SQLAlchemy relationships too, so that both ORMs share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Related-manager calls that query again even when the relation was prefetched.
PREFETCH_BYPASS = frozenset(
    {
        "filter",
        "exclude",
        "order_by",
        "first",
        "last",
        "get",
        "latest",
        "earliest",
        "values",
        "values_list",
        "aggregate",
        "annotate",
        "create",
        "get_or_create",
    }
)


def lookup_prefixes(lookup: str) -> list[str]:
    """``a__b__c`` loads ``a``, ``a__b`` and ``a__b__c``."""
    parts = lookup.split("__")
    return ["__".join(parts[: i + 1]) for i in range(len(parts))]


class Origin(str, Enum):
    #: ``Book.objects…``, ``select(Book)``, ``session.query(Book)``, ``Book.query``:
    #: ``ref`` is the model's qualified name.
    MODEL = "model"
    #: The value a function returns: ``ref`` is the function's qualified name.
    FUNCTION = "function"
    #: ``self.get_queryset()``, ``self.queryset``, ``super().get_queryset()``: ``ref`` is
    #: the attribute or method name, resolved through the enclosing class.
    CLASS = "class"
    #: A related manager of a row of ``parent``: ``ref`` is the relation path.
    RELATED = "related"
    #: A parameter of the function: ``ref`` is its name.
    PARAMETER = "parameter"


class Rows(str, Enum):
    #: A queryset or a result list: iterating it yields model instances.
    MANY = "many"
    #: ``get``, ``first``, ``one``, ``scalar_one``, ``get_object_or_404``.
    ONE = "one"
    #: ``values()`` / ``values_list()``: many rows, but dicts or tuples, not instances.
    DICTS = "dicts"
    #: ``count``, ``exists``, ``aggregate``: one value, no instances.
    VALUE = "value"
    #: ``in_bulk()``: a dict of instances by key, already fetched; ``.get(key)`` is a
    #: dict lookup, not a query.
    MAPPING = "mapping"


@dataclass(frozen=True)
class Query:
    """What is statically known about one queryset or select expression."""

    origin: Origin
    ref: str
    line: int
    column: int
    #: The expression's source, shortened, for messages.
    text: str
    orm: str = ""
    rows: Rows = Rows.MANY
    #: The Django manager used (``objects``), for managers that load by default.
    manager: str = ""
    #: Relation paths loaded eagerly (select_related, prefetch_related, joinedload…).
    loads: tuple[str, ...] = ()
    #: ``select_related()`` with no arguments, or a ``"*"`` loader option.
    load_all: bool = False
    #: A loader call with arguments that are not literals: the loaded paths are unknown.
    dynamic_loads: bool = False
    #: Relations joined with ``.join()`` but not loaded with ``contains_eager``.
    joins: tuple[str, ...] = ()
    #: Sliced, ``.limit()``ed, paginated, or filtered on a primary key.
    bounded: bool = False
    #: Narrowed with ``filter``/``where``/``filter_by`` (still possibly large).
    filtered: bool = False
    #: For ``RELATED``: the query whose row the related manager belongs to.
    parent: Query | None = None
    #: Its rows are already fetched: a list (``.all()`` of a select, ``list(qs)``) or a
    #: Django queryset that was iterated, ``len()``-ed or tested, which caches its rows,
    #: so iterating it again or calling ``count()`` / ``exists()`` runs no query.
    evaluated: bool = False
    #: Methods of a manager, queryset or model class the chain went through that the
    #: ORM does not define (``Book.objects.published()``, ``node.get_children()``): the
    #: project pass accepts the chain only where the method is known to return rows.
    methods: tuple[str, ...] = ()
    #: For ``FUNCTION``: the queries passed as positional arguments (None where an
    #: argument is not one), so that ``qs = apply_filters(qs)`` keeps ``qs``'s model.
    args: tuple[Query | None, ...] = ()
    #: Rows are tuples whose first item is the model's instance: ``add_entity()``,
    #: ``select(Post, User)`` executed.
    tuples: bool = False
    #: For ``RELATED``: fetched by a query of its own (``row.tags.order_by(...)``), so
    #: nothing the parent prefetched applies to its rows.
    refetched: bool = False


class UseKind(str, Enum):
    #: ``row.author.name``: an attribute path read (``call`` set when a method on the
    #: last attribute is called: ``row.tags.all()``).
    READ = "read"
    #: ``row.to_dict()``: a method of the row's model; ``path`` is the method's name,
    #: prefixed by the relation path it was called through.
    METHOD = "method"
    #: ``serialize(row)`` / ``BookOut.model_validate(row)``: the row handed to a callee.
    PASS = "pass"
    #: ``render_books(books)``: all the rows of a query handed to a callee that loops.
    ROWS = "rows"


@dataclass(frozen=True)
class Use:
    line: int
    column: int
    kind: UseKind
    path: str
    call: str = ""
    #: ``row.author == x`` or ``row.author in xs``: compared for identity.
    compare: bool = False
    #: For PASS: the callee's qualified name and the argument position of the row.
    callee: str = ""
    argument: int = 0


@dataclass(frozen=True)
class RowUse:
    """A use of a model instance that came from ``query``. ``loop_line`` is the line of
    the loop that yields it, or 0 for a single instance used outside any row loop."""

    query: Query
    use: Use
    loop_line: int


@dataclass(frozen=True)
class ParamUse:
    """A use of a parameter (``self`` in a model method, ``obj`` in a serializer method),
    for inlining the function where a row is handed to it."""

    param: str
    use: Use


@dataclass(frozen=True)
class DbCall:
    """A call that runs a query or writes: ``op`` is the method (``get``, ``save``,
    ``commit``, ``iterate`` for a loop over a fresh query)."""

    op: str
    line: int
    column: int
    text: str
    write: bool = False
    #: The model written or read, qualified, when known.
    model: str = ""
    #: The variable written through (``order.save()``), to tell one object from two.
    target: str = ""
    orm: str = ""
    #: Line of the innermost loop around it (0: not in a loop).
    loop_line: int = 0
    #: Its arguments depend on the loop variable.
    variant: bool = False
    #: Inside ``transaction.atomic`` or ``session.begin()``.
    atomic: bool = False
    #: For a related-manager call that ignores a prefetch: the row query and relation.
    bypass: str = ""
    query: Query | None = None
    #: Its result is cached per key in the loop (``if key not in cache: cache[key] = ...``),
    #: so it runs once per distinct key rather than once per row.
    memoised: bool = False
    #: The loop is a ``while`` walk or work queue: each pass follows from the last.
    walk: bool = False
    #: The ``if`` arms around the call, outermost first: ``(if line, 0 for the body or
    #: 1 for the else)``. Calls in different arms of one ``if`` never both run.
    branch: tuple[tuple[int, int], ...] = ()
    #: Inside a ``try`` whose handler rolls back: a step that stands alone on purpose.
    guarded: bool = False

    def excludes(self, other: DbCall) -> bool:
        """Whether this call and ``other`` are in different arms of the same ``if``."""
        arms = dict(self.branch)
        return any(line in arms and arms[line] != arm for line, arm in other.branch)


@dataclass(frozen=True)
class Serialization:
    """Rows handed to a serializer or schema as a list: ``BookSerializer(qs, many=True)``."""

    schema: str
    query: Query
    line: int
    column: int


@dataclass(frozen=True)
class TemplateRender:
    """A view rendering a template with rows in its context:
    ``render(request, "books/list.html", {"books": qs})``. ``context`` pairs each
    variable with the query (or, with ``rows`` ONE, the object) it holds."""

    template: str
    context: tuple[tuple[str, Query], ...]
    line: int
    column: int


@dataclass(frozen=True)
class TemplateUse:
    """A path read from a loop's rows in a template (``author__name``), with the
    related-manager method called at its end (``all``, ``count``), if any."""

    line: int
    path: str
    call: str = ""


@dataclass(frozen=True)
class TemplateLoop:
    """``{% for b in books %}``: ``source`` is the dotted context expression looped
    over (``books``, ``object.lines.all``)."""

    line: int
    source: str
    uses: tuple[TemplateUse, ...] = ()
    #: ``{% for post, user in posts.items %}``: rows unpacked, the first name read.
    unpacked: bool = False


@dataclass(frozen=True)
class TemplateFacts:
    """One template file's loops over context rows."""

    loops: tuple[TemplateLoop, ...] = ()


class ValueKind(str, Enum):
    STRING = "string"
    CONSTANT = "constant"  # True, False, None, numbers: ``text`` is their repr
    REF = "ref"  # a qualified name
    CALL = "call"  # ``text`` is the callee's qualified name
    SEQUENCE = "sequence"
    QUERY = "query"
    OTHER = "other"


@dataclass(frozen=True)
class Keyword:
    name: str
    value: Value


@dataclass(frozen=True)
class Value:
    """A class attribute's or argument's value, as far as it is literal."""

    kind: ValueKind
    text: str = ""
    items: tuple[Value, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    query: Query | None = None

    def keyword(self, name: str) -> Value | None:
        for keyword in self.keywords:
            if keyword.name == name:
                return keyword.value
        return None

    @property
    def strings(self) -> tuple[str, ...]:
        if self.kind is ValueKind.STRING:
            return (self.text,)
        return tuple(i.text for i in self.items if i.kind is ValueKind.STRING)


@dataclass(frozen=True)
class ClassAttribute:
    name: str
    line: int
    value: Value
    #: From an annotation (``Mapped[list["Tag"]]``, ``list[TagOut]``): the class named
    #: in it, qualified, and whether it is a collection.
    annotation: str = ""
    many: bool = False


@dataclass(frozen=True)
class ClassFacts:
    name: str
    line: int
    end_line: int
    bases: tuple[str, ...]
    attributes: tuple[ClassAttribute, ...] = ()
    #: Entries of an inner ``Meta`` / ``Config`` class and of ``model_config``.
    meta: tuple[ClassAttribute, ...] = ()
    #: Class keywords (``table=True``) and decorators (``@admin.register(Book)``).
    keywords: tuple[Keyword, ...] = ()
    decorators: tuple[Value, ...] = ()
    methods: tuple[str, ...] = ()
    #: For ``FUNCTION``: the queries passed as positional arguments (None where an
    #: argument is not one), so that ``qs = apply_filters(qs)`` keeps ``qs``'s model.
    args: tuple[Query | None, ...] = ()
    #: Rows are tuples whose first item is the model's instance: ``add_entity()``,
    #: ``select(Post, User)`` executed.
    tuples: bool = False
    #: For ``RELATED``: fetched by a query of its own (``row.tags.order_by(...)``), so
    #: nothing the parent prefetched applies to its rows.
    refetched: bool = False

    def attribute(self, name: str) -> ClassAttribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None

    def meta_value(self, name: str) -> Value | None:
        for entry in self.meta:
            if entry.name == name:
                return entry.value
        return None


@dataclass(frozen=True)
class FunctionFlow:
    #: ``func`` or ``Class.method`` within its module.
    name: str
    line: int
    end_line: int
    params: tuple[str, ...] = ()
    #: Parameters annotated with a class: ``(name, qualified class)``.
    param_types: tuple[tuple[str, str], ...] = ()
    #: ``self.repo = Repo(...)`` (or a parameter annotated ``Repo``): ``(attribute, class)``.
    attribute_types: tuple[tuple[str, str], ...] = ()
    is_async: bool = False
    decorators: tuple[Value, ...] = ()
    #: The query the function returns, if it returns one (repository helpers,
    #: ``get_queryset``, managers).
    returns: Query | None = None
    #: Multi-row queries whose rows reach the return value (``return qs``,
    #: ``return [b.to_dict() for b in qs]``, ``Response(S(qs, many=True).data)``).
    returned_rows: tuple[Query, ...] = ()
    #: Classes (or other names) the function returns as they are: a view's
    #: ``get_serializer_class()`` returning ``BookSerializer``.
    returned_names: tuple[str, ...] = ()
    #: The FastAPI ``response_model`` (or return annotation) schema and whether it is
    #: a list.
    response_schema: str = ""
    response_many: bool = False
    row_uses: tuple[RowUse, ...] = ()
    param_uses: tuple[ParamUse, ...] = ()
    calls: tuple[DbCall, ...] = ()
    #: Calls of other functions inside loops (``op`` holds the callee), resolved to
    #: query-running functions in the project pass.
    loop_calls: tuple[DbCall, ...] = ()
    serializations: tuple[Serialization, ...] = ()
    #: Templates rendered with rows in their context.
    renders: tuple[TemplateRender, ...] = ()
    #: Decorated with ``transaction.atomic`` (the whole body is one transaction).
    atomic: bool = False
    #: Takes pagination (``limit``, ``page``…) or builds a paginator.
    paginated: bool = False


@dataclass(frozen=True)
class OrmFacts:
    classes: tuple[ClassFacts, ...] = ()
    functions: tuple[FunctionFlow, ...] = ()
    #: Module-level ``name = call(...)``: ``(name, callee)`` for ``db = SQLAlchemy()``,
    #: ``Base = declarative_base()``, ``SessionLocal = sessionmaker(...)``.
    factories: tuple[tuple[str, str], ...] = ()
    #: ``admin.site.register(Model, Admin)``: ``(model, admin)``.
    admin_registrations: tuple[tuple[str, str], ...] = ()
    #: Settings seen in this module: ``ATOMIC_REQUESTS``, ``DEFAULT_PAGINATION_CLASS``.
    settings: tuple[str, ...] = ()

    def function(self, name: str) -> FunctionFlow | None:
        for flow in self.functions:
            if flow.name == name:
                return flow
        return None
