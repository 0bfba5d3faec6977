"""What an expression is, as far as the database rules care: a queryset or select
(with what it loads), one model instance, or a row of a loop over a query.

Expressions are read as chains (``Book.objects.select_related("author").filter(...)``)
from a root: a model class, a session call, ``select(Model)``, a local variable bound
earlier, ``self.get_queryset()``, or a call of another function (resolved in the
project pass). Whether a root class really is a model is decided there too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from archguard.core.orm import (
    PREFETCH_BYPASS,
    Keyword,
    Origin,
    Query,
    Rows,
    Value,
    ValueKind,
    lookup_prefixes,
)
from archguard.scan.syntax import Names, keyword, string

#: Methods that keep a queryset (or select) a queryset.
KEEP = frozenset(
    {
        "filter",
        "exclude",
        "order_by",
        "distinct",
        "using",
        "annotate",
        "alias",
        "only",
        "defer",
        "all",
        "none",
        "select_for_update",
        "reverse",
        "filter_by",
        "where",
        "group_by",
        "having",
        "unique",
        "scalars",
        "execution_options",
        "iterator",
        "yield_per",
        "with_for_update",
        "union",
        "intersection",
        "difference",
        "fetchall",
        "mappings",
        "stream",
        "stream_scalars",
        "complex_filter",
        "order_by_desc",
    }
)
LOADERS = frozenset({"select_related", "prefetch_related", "options", "fetch_mode"})
ONE_ROW = frozenset(
    {
        "get",
        "first",
        "last",
        "latest",
        "earliest",
        "one",
        "one_or_none",
        "scalar_one",
        "scalar_one_or_none",
        "get_or_404",
        "first_or_404",
        "one_or_404",
        "scalar",
        "aget",
        "afirst",
        "alast",
    }
)
VALUES = frozenset(
    {"count", "exists", "aggregate", "contains", "acount", "aexists", "aaggregate", "explain"}
)
_DICTS = frozenset({"values", "values_list"})
WRITES = frozenset(
    {
        "create",
        "get_or_create",
        "update_or_create",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "acreate",
        "aget_or_create",
        "aupdate_or_create",
        "aupdate",
        "adelete",
        "abulk_create",
        "abulk_update",
    }
)
#: Terminal calls that run the query there and then.
EVALUATE = ONE_ROW | VALUES | WRITES | frozenset({"in_bulk", "all_", "fetchall"})
_BOUNDING = frozenset({"limit", "offset", "paginate", "slice", "fetch"})
_PRIMARY_KEYS = frozenset(
    {"pk", "id", "pk__exact", "id__exact", "uuid", "slug", "pk__in", "id__in"}
)
_SESSION_NAMES = frozenset({"session", "db", "db_session", "sess", "async_session", "s", "tx"})
_SESSION_READS = frozenset({"execute", "scalars", "scalar", "exec", "stream", "stream_scalars"})
_SELECTS = frozenset(
    {
        "sqlalchemy.select",
        "sqlalchemy.future.select",
        "sqlalchemy.sql.select",
        "sqlmodel.select",
        "sqlalchemy.orm.Query",
    }
)
_SA_LOADERS = {
    "joinedload": True,
    "selectinload": True,
    "subqueryload": True,
    "immediateload": True,
    "contains_eager": True,
    "defaultload": False,
    "lazyload": False,
    "noload": True,
    "raiseload": True,
}
#: Options that pick columns, not relations: a chain may end with them.
_SA_COLUMN_OPTIONS = frozenset(
    {"load_only", "defer", "undefer", "undefer_group", "with_expression", "selectin_polymorphic"}
)
#: Methods that tree and inheritance libraries give a model instance, each returning a
#: queryset of the same model (django-treebeard, django-mptt, wagtail).
ROW_QUERIES = frozenset(
    {
        "get_children",
        "get_descendants",
        "get_ancestors",
        "get_siblings",
        "get_family",
        "get_leafnodes",
    }
)
_DJANGO_SHORTCUTS = {
    "django.shortcuts.get_object_or_404": Rows.ONE,
    "django.shortcuts.get_list_or_404": Rows.MANY,
    "django.shortcuts.aget_object_or_404": Rows.ONE,
    "django.shortcuts.aget_list_or_404": Rows.MANY,
}


@dataclass(frozen=True)
class Row:
    """A model instance from ``query``: a loop's row (``loop_line`` > 0) or one object."""

    query: Query
    loop_line: int = 0


@dataclass(frozen=True)
class NewObject:
    """``Order(...)``: an instance built in the function, written with ``save()``."""

    model: str


@dataclass(frozen=True)
class ModelClass:
    """A model class known by a name bound at run time: ``apps.get_model("shop",
    "Book")`` in a data migration (``ref`` is ``apps:shop.Book``), or ``cls`` in a
    classmethod (``ref`` is the class's qualified name)."""

    ref: str


Bound = Query | Row | NewObject | ModelClass


def unwrap(expr: ast.expr) -> ast.expr:
    while isinstance(expr, ast.Await):
        expr = expr.value
    return expr


def chain(expr: ast.expr) -> tuple[ast.expr, list[ast.expr]]:
    """The root of an attribute/call/subscript chain and its links, innermost first."""
    links: list[ast.expr] = []
    node = unwrap(expr)
    while True:
        if isinstance(node, ast.Call):
            links.append(node)
            node = unwrap(node.func)
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            links.append(node)
            node = unwrap(node.value)
        else:
            break
    links.reverse()
    return node, links


def snippet(expr: ast.AST) -> str:
    text = ast.unparse(expr)
    return text if len(text) <= 80 else text[:77] + "..."


class QueryReader:
    """Reads expressions of one function against its local bindings."""

    def __init__(
        self, names: Names, env: dict[str, Bound], sessions: set[str], cls: str = ""
    ) -> None:
        self.names = names
        self.env = env
        self.sessions = sessions
        #: The qualified class the function is a method of ("" for a function).
        self.cls = cls
        #: ``Prefetch(...)`` objects bound to local names: the paths each loads.
        self.prefetches: dict[str, tuple[str, ...]] = {}

    def remember_prefetch(self, name: str, value: ast.expr) -> None:
        """``name = Prefetch("actions", queryset=...)``: its paths, for a later loader."""
        found = None
        if isinstance(value, ast.Call) and self.names.qualify(value.func).rsplit(".", 1)[-1] in (
            "Prefetch",
            "GenericPrefetch",
        ):
            found = self._prefetch(value)
        if found is None:
            self.prefetches.pop(name, None)
        else:
            self.prefetches[name] = tuple(found)

    def bound(self, expr: ast.expr) -> Bound | None:
        """The query, row or new object an expression evaluates to, if any."""
        expr = unwrap(expr)
        if isinstance(expr, ast.IfExp):
            # ``qs.filter(...) if q else qs``: either; the one loading more, so that a
            # relation is reported only when neither loads it.
            sides = [self.bound(expr.body), self.bound(expr.orelse)]
            queries = [b for b in sides if isinstance(b, Query)]
            if queries:
                return max(queries, key=lambda q: (len(q.loads), q.load_all))
            return sides[0] if sides[0] is not None else sides[1]
        root, links = chain(expr)
        start = self._root(root, links)
        if start is None:
            return None
        value, index = start
        if not links and isinstance(root, ast.Name) and root.id in self.env:
            return value  # a variable: keep where and how the query was built
        while index < len(links):
            if isinstance(value, ModelClass):
                found = self._class_access(value.ref, root, links[index:])
                if found is None:
                    return None
                value, used = found
                index += used
                continue
            if not isinstance(value, Query):
                return None
            step: Query | None
            link = links[index]
            after = links[index + 1] if index + 1 < len(links) else None
            if isinstance(link, ast.Attribute) and isinstance(after, ast.Call):
                step = self._method(value, link.attr, after)
                index += 2
            elif isinstance(link, ast.Attribute) and link.attr == "items" and value.bounded:
                step = value  # ``Post.query.paginate(...).items``
                index += 1
            elif isinstance(link, ast.Subscript):
                step = self._subscript(value, link)
                index += 1
            else:
                return None
            if step is None:
                return None
            value = step
        if isinstance(value, Query):
            return replace(value, line=expr.lineno, column=expr.col_offset + 1, text=snippet(expr))
        return value

    def query(self, expr: ast.expr) -> Query | None:
        value = self.bound(expr)
        return value if isinstance(value, Query) else None

    # -- roots -------------------------------------------------------------------

    def _root(self, root: ast.expr, links: list[ast.expr]) -> tuple[Bound, int] | None:
        named = _get_model(links)
        if named is not None:
            return ModelClass(named), 2
        if (
            isinstance(root, ast.Name)
            and root.id == "self"
            and self.cls
            and links
            and isinstance(links[0], ast.Attribute)
            and links[0].attr == "__class__"
        ):
            return ModelClass(self.cls), 1
        if isinstance(root, ast.Name) and root.id in ("self", "super") and links:
            found = self._class_root(root, links)
            if found is not None:
                return found
        if isinstance(root, ast.Name) and root.id in self.env and not self._is_session([root.id]):
            value = self.env[root.id]
            if isinstance(value, Row) and links:
                return self._related(value.query, links)
            return value, 0
        if (
            isinstance(root, ast.Name)
            and root.id == "type"
            and self.cls
            and links
            and isinstance(links[0], ast.Call)
        ):
            return ModelClass(self.cls), 1  # ``type(self).objects``
        return self._static_root(root, links)

    def _related(self, parent: Query, links: list[ast.expr]) -> tuple[Bound, int] | None:
        """``row.tags.all()``: a related manager's queryset (``row.author`` alone is a
        use, not a query). ``row.get_children()``, a method a tree library gives the
        model, is a query of the row's own model (``ref`` empty)."""
        if (
            len(links) >= 2
            and isinstance(links[0], ast.Attribute)
            and isinstance(links[1], ast.Call)
            and links[0].attr in ROW_QUERIES
        ):
            method = links[0]
            return Query(
                Origin.RELATED,
                "",
                method.lineno,
                method.col_offset + 1,
                "",
                orm=parent.orm,
                parent=parent,
                methods=(method.attr,),
            ), 2
        path: list[str] = []
        for index, link in enumerate(links):
            if isinstance(link, ast.Attribute):
                if (
                    index + 1 < len(links)
                    and isinstance(links[index + 1], ast.Call)
                    and (link.attr in KEEP or link.attr in LOADERS or link.attr in EVALUATE)
                ):
                    if not path and parent.origin is Origin.PARAMETER and index == 0:
                        # ``def apply_filters(qs): return qs.filter(...)``: the parameter
                        # is a queryset, whose model the caller knows.
                        return replace(parent, rows=Rows.MANY), 0
                    if not path:
                        return None
                    query = Query(
                        Origin.RELATED,
                        "__".join(path),
                        link.lineno,
                        link.col_offset + 1,
                        "",
                        orm=parent.orm,
                        parent=parent,
                    )
                    return query, index
                path.append(link.attr)
            else:
                return None
        return None

    def _class_root(self, root: ast.Name, links: list[ast.expr]) -> tuple[Bound, int] | None:
        first = links[0]
        if (
            root.id == "super"
            and isinstance(first, ast.Call)
            and len(links) >= 3
            and isinstance(links[1], ast.Attribute)
            and isinstance(links[2], ast.Call)
        ):
            return self._class_query(f"super.{links[1].attr}", links[1]), 3
        if root.id != "self" or not isinstance(first, ast.Attribute):
            return None
        if first.attr in KEEP | LOADERS and len(links) > 1 and isinstance(links[1], ast.Call):
            # ``self.filter(...)`` in a custom QuerySet or Manager method: its own rows,
            # which the project pass reads when a chain calls the method.
            return Query(
                Origin.CLASS, "self", first.lineno, first.col_offset + 1, "", orm="django"
            ), 0
        if (
            len(links) > 1
            and isinstance(links[1], ast.Call)
            and first.attr not in ROW_QUERIES
            and first.attr
            not in ("get_queryset", "filter_queryset", "paginate_queryset", "get_serializer")
        ):
            # ``self.apply_filters(qs)`` / ``self._recent()``: a method of the class.
            return self._function(f"self.{first.attr}", links[1]), 2
        if first.attr == "queryset":
            return self._class_query("queryset", first), 1
        if (
            first.attr in ("get_queryset", "filter_queryset")
            and len(links) > 1
            and isinstance(links[1], ast.Call)
        ):
            if first.attr == "filter_queryset" and links[1].args:
                inner = self.query(links[1].args[0])
                return (inner, 2) if inner is not None else None
            return self._class_query(first.attr, first), 2
        if (
            first.attr == "paginate_queryset"
            and len(links) > 1
            and isinstance(links[1], ast.Call)
            and links[1].args
        ):
            inner = self.query(links[1].args[0])
            return (replace(inner, bounded=True), 2) if inner is not None else None
        return None

    @staticmethod
    def _class_query(ref: str, node: ast.expr) -> Query:
        return Query(Origin.CLASS, ref, node.lineno, node.col_offset + 1, "", orm="django")

    def _static_root(self, root: ast.expr, links: list[ast.expr]) -> tuple[Bound, int] | None:
        if isinstance(root, ast.Name) and links and isinstance(links[0], ast.Call):
            return self._called_root(root, links)
        if not isinstance(root, ast.Name) or not links:
            return None
        # A session method: ``session.query(Book)``, ``db.session.scalars(select(...))``.
        receiver_parts: list[str] = [root.id]
        index = 0
        while (
            index < len(links)
            and isinstance(links[index], ast.Attribute)
            and index + 1 < len(links)
            and isinstance(links[index + 1], ast.Attribute)
        ):
            receiver_parts.append(links[index].attr)  # type: ignore[attr-defined]
            index += 1
        if (
            index + 1 < len(links)
            and isinstance(links[index], ast.Attribute)
            and isinstance(links[index + 1], ast.Call)
        ):
            method = links[index].attr  # type: ignore[attr-defined]
            call = links[index + 1]
            assert isinstance(call, ast.Call)
            if method == "select" and receiver_parts[-1] == "db" and call.args:
                return self._select(call), index + 2  # Flask-SQLAlchemy's ``db.select``
            if method == "paginate" and receiver_parts[-1] == "db" and call.args:
                inner = self.query(call.args[0])  # Flask-SQLAlchemy's ``db.paginate(select)``
                return (replace(inner, bounded=True), index + 2) if inner is not None else None
            if self._is_session(receiver_parts):
                found = self._session_call(method, call)
                return (found, index + 2) if found is not None else None
        return self._manager_root(root, links)

    def _is_session(self, parts: list[str]) -> bool:
        return (
            parts[-1] in _SESSION_NAMES
            or parts[-1] in self.sessions
            or parts[-1].endswith("_session")
        )

    def _session_call(self, method: str, call: ast.Call) -> Query | None:
        if method == "query" and call.args:
            model = self.names.qualify(call.args[0])
            return (
                Query(
                    Origin.MODEL,
                    model,
                    call.lineno,
                    call.col_offset + 1,
                    "",
                    orm="sqlalchemy",
                    tuples=len(call.args) > 1,
                )
                if model
                else None
            )
        if method in ("get", "get_one", "get_or_404") and call.args:
            model = self.names.qualify(call.args[0])
            return (
                Query(
                    Origin.MODEL,
                    model,
                    call.lineno,
                    call.col_offset + 1,
                    "",
                    orm="sqlalchemy",
                    rows=Rows.ONE,
                    bounded=True,
                )
                if model
                else None
            )
        if method in _SESSION_READS and call.args:
            inner = self.query(call.args[0])
            if inner is not None and method in ("scalar",):
                return replace(inner, rows=Rows.ONE, tuples=False)
            if inner is not None and method in ("scalars", "stream_scalars"):
                return replace(inner, tuples=False)  # the first column: the instances
            return inner
        return None

    def _manager_root(self, root: ast.Name, links: list[ast.expr]) -> tuple[Bound, int] | None:
        if not root.id[:1].isupper():
            return None
        return self._class_access(self.names.qualify(root), root, links)

    def _class_access(
        self, model: str, node: ast.expr, links: list[ast.expr]
    ) -> tuple[Bound, int] | None:
        """What a model class's attribute chain starts: ``Book.objects`` (a manager),
        ``Book.query``, ``Book.published.filter()`` (a custom manager), ``Book(...)`` (a
        new object) or ``Category.get_root_nodes()`` (a class method that may return
        rows)."""
        first = links[0] if links else None
        if isinstance(first, ast.Call):
            return NewObject(model), 1
        if not isinstance(first, ast.Attribute):
            return None
        manager = first.attr
        if (
            len(links) >= 2
            and isinstance(links[1], ast.Call)
            and manager not in ("query", "objects", "_default_manager", "_base_manager")
            and manager not in ("as_manager", "from_queryset")
            and not manager.startswith("_")
        ):
            return Query(
                Origin.MODEL, model, node.lineno, node.col_offset + 1, "", methods=(manager,)
            ), 2
        if manager == "query":
            orm = "sqlalchemy"
        elif manager in ("objects", "_default_manager", "_base_manager"):
            orm = "django"
        elif (
            len(links) >= 3
            and isinstance(links[1], ast.Attribute)
            and isinstance(links[2], ast.Call)
            and (links[1].attr in KEEP or links[1].attr in LOADERS or links[1].attr in EVALUATE)
        ):
            orm = "django"  # a custom manager: ``Book.published.filter(...)``
        else:
            return None
        return Query(
            Origin.MODEL, model, node.lineno, node.col_offset + 1, "", orm=orm, manager=manager
        ), 1

    def _called_root(self, root: ast.Name, links: list[ast.expr]) -> tuple[Bound, int] | None:
        call = links[0]
        assert isinstance(call, ast.Call)
        qualified = self.names.qualify(root)
        if qualified in _SELECTS and call.args:
            return self._select(call), 1
        shortcut = _DJANGO_SHORTCUTS.get(qualified)
        if shortcut is not None and call.args:
            inner = self.query(call.args[0])
            if inner is None:
                model = self.names.qualify(call.args[0])
                inner = Query(
                    Origin.MODEL,
                    model,
                    call.lineno,
                    call.col_offset + 1,
                    "",
                    orm="django",
                    manager="objects",
                )
            return replace(inner, rows=shortcut, bounded=shortcut is Rows.ONE), 1
        if (
            qualified in ("builtins.list", "builtins.sorted", "builtins.reversed", "builtins.tuple")
            and call.args
        ):
            inner = self.query(call.args[0])
            return (
                (replace(inner, evaluated=True), 1)
                if inner is not None and inner.rows in (Rows.MANY, Rows.DICTS)
                else None
            )
        if root.id[:1].isupper() and qualified and not qualified.startswith("builtins."):
            return NewObject(qualified), 1
        if qualified and not qualified.startswith("builtins."):
            return self._function(qualified, call), 1
        return None

    def _function(self, name: str, call: ast.Call) -> Query:
        """The value of a call of a project function or method, resolved in the project
        pass; the queries handed to it go with it."""
        args = tuple(self.query(a) if not isinstance(a, ast.Starred) else None for a in call.args)
        return Query(
            Origin.FUNCTION,
            name,
            call.lineno,
            call.col_offset + 1,
            "",
            args=args if any(a is not None for a in args) else (),
        )

    def _select(self, call: ast.Call) -> Query:
        model = self.names.qualify(call.args[0]) if call.args else ""
        return Query(
            Origin.MODEL,
            model,
            call.lineno,
            call.col_offset + 1,
            "",
            orm="sqlalchemy",
            tuples=len(call.args) > 1,
        )

    # -- links -------------------------------------------------------------------

    @staticmethod
    def _subscript(query: Query, link: ast.Subscript) -> Query:
        if isinstance(link.slice, ast.Slice):
            return replace(query, bounded=True)
        if query.rows is Rows.MAPPING:
            return replace(query, rows=Rows.ONE, bounded=True, evaluated=True)
        return replace(query, rows=Rows.ONE, bounded=True)

    def _method(self, query: Query, method: str, link: ast.Call) -> Query | None:
        if query.rows is Rows.MAPPING:
            # ``in_bulk()``'s dict: ``get`` and ``values`` read rows already fetched.
            if method == "get":
                return replace(query, rows=Rows.ONE, bounded=True, evaluated=True)
            if method == "values":
                return replace(query, rows=Rows.MANY, evaluated=True)
            return None
        if (
            query.origin is Origin.RELATED
            and query.ref
            and method in PREFETCH_BYPASS | {"distinct", "reverse", "only", "defer"}
        ):
            # ``row.tags.order_by(...)``: a new query, whatever the parent prefetched.
            query = replace(query, refetched=True)
        if query.rows is Rows.DICTS and method in KEEP | _BOUNDING:
            return replace(query, bounded=query.bounded or method in _BOUNDING)
        if query.rows is not Rows.MANY and method not in ("all", "scalars", "unique"):
            return None
        if method in LOADERS:
            return self.loaded(query, method, link)
        if method in ("join", "outerjoin", "join_from"):
            paths = tuple(p for a in link.args for p in [_attribute_path(a)] if p)
            return replace(query, joins=query.joins + paths)
        if method in ("filter", "filter_by", "where", "exclude", "get", "get_or_404"):
            keys = {k.arg for k in link.keywords}
            keys |= {n.attr for a in link.args for n in ast.walk(a) if isinstance(n, ast.Attribute)}
            bounded = bool(keys & _PRIMARY_KEYS) and method != "exclude"
            query = replace(query, filtered=True, bounded=query.bounded or bounded)
            if method == "filter":
                empty = _null_relations(link)
                if empty:
                    # ``filter(parent__isnull=True)``: no row has one, and Django reads a
                    # null foreign key as None without a query.
                    query = replace(query, loads=tuple(sorted({*query.loads, *empty})))
            if method in ("filter", "filter_by", "where", "exclude"):
                return query
        if method in ("all", "fetchall") and query.orm == "sqlalchemy":
            return replace(query, evaluated=True)  # a list: iterating it runs nothing
        if method in ("add_entity", "add_columns") and query.orm == "sqlalchemy":
            return replace(query, tuples=True)
        if method in ("scalars", "scalar_one", "scalar_one_or_none", "scalar"):
            query = replace(query, tuples=False)
        if method in KEEP:
            return query
        if method in _BOUNDING:
            return replace(query, bounded=True)
        if method in ONE_ROW:
            return replace(query, rows=Rows.ONE, bounded=True)
        if method in _DICTS:
            return replace(query, rows=Rows.DICTS)
        if method in VALUES or method in WRITES:
            return replace(query, rows=Rows.VALUE)
        if method == "in_bulk":
            return replace(query, rows=Rows.MAPPING, evaluated=True)
        if query.orm == "django" and query.origin in (Origin.MODEL, Origin.CLASS):
            # A custom manager or queryset method (``Book.objects.published()``): known
            # only if the project pass finds it returns rows.
            return replace(query, methods=(*query.methods, method))
        return None

    def loaded(self, query: Query, method: str, call: ast.Call) -> Query:
        """``query`` with what one loader call (``select_related(...)``, ``options(...)``) adds."""
        if method == "select_related" and not call.args:
            return replace(query, load_all=True)
        if method == "fetch_mode":
            # FETCH_PEERS loads a relation for every fetched row at once; RAISE refuses the
            # lazy load. Only the default FETCH_ONE still queries per row.
            mode = call.args[0] if call.args else None
            one = isinstance(mode, (ast.Name, ast.Attribute)) and self.names.qualify(mode).endswith(
                "FETCH_ONE"
            )
            return query if one else replace(query, load_all=True)
        loads = list(query.loads)
        dynamic = query.dynamic_loads
        load_all = query.load_all
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                dynamic = True
                continue
            found = self._lookups(arg, method)
            if found is None:
                dynamic = True
            elif found == ["*"]:
                load_all = True
            else:
                loads.extend(found)
        return replace(
            query, loads=tuple(sorted(set(loads))), dynamic_loads=dynamic, load_all=load_all
        )

    def _lookups(self, arg: ast.expr, method: str) -> list[str] | None:
        """The relation paths one loader argument loads, or None when not literal."""
        literal = string(arg)
        if literal is not None:
            return lookup_prefixes(literal) if literal != "*" else ["*"]
        if isinstance(arg, ast.Name) and arg.id in self.prefetches:
            return list(self.prefetches[arg.id])  # ``action_prefetch = Prefetch(...)``
        if isinstance(arg, ast.Name) and arg.id in self.env:
            return None
        if isinstance(arg, ast.Call):
            name = self.names.qualify(arg.func).rsplit(".", 1)[-1]
            if name in ("Prefetch", "GenericPrefetch"):
                return self._prefetch(arg)
            return self._sa_option(arg)
        return None

    def _prefetch(self, call: ast.Call) -> list[str] | None:
        lookup = string(call.args[0]) if call.args else string(keyword(call, "lookup"))
        if lookup is None:
            return None
        to_attr = string(keyword(call, "to_attr"))
        head = to_attr or lookup
        paths = lookup_prefixes(head) if to_attr is None else [to_attr]
        queryset = call.args[1] if len(call.args) > 1 else keyword(call, "queryset")
        if queryset is not None:
            inner = self.query(queryset)
            if inner is None:
                return None
            paths.extend(f"{head}__{p}" for p in inner.loads)
        return paths

    def _sa_option(self, call: ast.Call, prefix: str = "") -> list[str] | None:
        """The relation paths a loader option loads, or None when it cannot be read:
        ``joinedload(Post.author).selectinload(Author.books)`` → author, author__books.
        Column options on the chain (``load_only``, ``defer``...) load no relation, and
        ``.options(...)`` nests options under the path so far."""
        root, links = chain(call)
        steps: list[tuple[str, ast.Call]] = []
        pending = self.names.qualify(root).rsplit(".", 1)[-1] if isinstance(root, ast.Name) else ""
        for link in links:
            if isinstance(link, ast.Attribute):
                pending = link.attr
            elif isinstance(link, ast.Call):
                steps.append((pending, link))
            else:
                return None
        if not steps:
            return None
        paths: list[str] = []
        for index, (name, step) in enumerate(steps):
            if name == "Load" and index == 0:
                continue  # ``Load(Post)``: the entity the chain starts from
            if name in _SA_COLUMN_OPTIONS:
                continue
            if name == "options":
                for arg in step.args:
                    inner = self._sa_option(arg, prefix) if isinstance(arg, ast.Call) else None
                    if inner is None:
                        return None
                    paths.extend(inner)
                continue
            if name not in _SA_LOADERS:
                return None
            for arg in step.args:
                hops = _sa_hops(arg)
                if hops is None:
                    return None
                if hops == ["*"]:
                    if _SA_LOADERS[name]:
                        paths.append(f"{prefix}__*" if prefix else "*")
                    continue
                for hop in hops:
                    prefix = f"{prefix}__{hop}" if prefix else hop
                    if _SA_LOADERS[name]:
                        paths.append(prefix)
        if any(p == "*" for p in paths):
            return ["*"]
        return [p for p in paths if not p.endswith("__*")]


def _get_model(links: list[ast.expr]) -> str | None:
    """``apps.get_model("shop", "Book")`` / ``apps.get_model("shop.Book")`` → ``apps:shop.Book``."""
    if (
        len(links) < 2
        or not isinstance(links[0], ast.Attribute)
        or links[0].attr != "get_model"
        or not isinstance(links[1], ast.Call)
    ):
        return None
    names = [string(a) for a in links[1].args[:2]]
    if not names or any(n is None for n in names):
        return None
    label = ".".join(n for n in names if n)
    return f"apps:{label}" if "." in label else None


def _null_relations(call: ast.Call) -> list[str]:
    """``filter(parent__isnull=True)`` / ``filter(parent=None)`` → ``parent``."""
    found = []
    for kw in call.keywords:
        if kw.arg is None or not isinstance(kw.value, ast.Constant):
            continue
        name, _, lookup = kw.arg.partition("__")
        if (lookup == "isnull" and kw.value.value is True) or (
            not lookup and kw.value.value is None
        ):
            found.append(name)
    return found


def _sa_hops(arg: ast.expr) -> list[str] | None:
    """The relationship names one loader argument names: ``Post.author``,
    ``Post.author.and_(...)``, ``Post.author.of_type(...)``, ``"author"`` or the legacy
    dotted ``"author.books"``."""
    literal = string(arg)
    if literal is not None:
        return ["*"] if literal == "*" else literal.split(".")
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Attribute)
        and arg.func.attr in ("and_", "of_type")
    ):
        arg = arg.func.value
    hop = _attribute_path(arg)
    return [hop] if hop is not None else None


def _attribute_path(expr: ast.expr) -> str | None:
    """``Post.author`` → ``author`` (the relationship attribute of a mapped class)."""
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, (ast.Name, ast.Attribute)):
        return expr.attr
    return None


def value_of(expr: ast.expr | None, reader: QueryReader) -> Value:
    """A literal view of an attribute's or argument's value."""
    if expr is None:
        return Value(ValueKind.OTHER)
    if isinstance(expr, ast.Constant):
        if isinstance(expr.value, str):
            return Value(ValueKind.STRING, expr.value)
        return Value(ValueKind.CONSTANT, repr(expr.value))
    if isinstance(expr, (ast.Name, ast.Attribute)):
        name = reader.names.qualify(expr)
        return Value(ValueKind.REF, name) if name else Value(ValueKind.OTHER)
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return Value(ValueKind.SEQUENCE, items=tuple(value_of(e, reader) for e in expr.elts))
    if isinstance(expr, ast.Dict):
        pairs = tuple(
            Keyword(k.value, value_of(v, reader))
            for k, v in zip(expr.keys, expr.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        )
        return Value(ValueKind.CALL, "builtins.dict", keywords=pairs)
    if isinstance(expr, ast.Subscript):
        # ``list[BookOut]``: the container as a call of its element.
        container = reader.names.qualify(expr.value)
        return Value(ValueKind.CALL, container, items=(value_of(expr.slice, reader),))
    if isinstance(expr, ast.Call):
        query = reader.query(expr)
        if query is not None and query.origin is not Origin.FUNCTION:
            return Value(ValueKind.QUERY, query.text, query=query)
        func = expr.func
        callee = (
            reader.names.qualify(func)
            if not isinstance(func, ast.Call)
            else reader.names.qualify(func.func) + "()"
        )
        return Value(
            ValueKind.CALL,
            callee,
            items=tuple(value_of(a, reader) for a in expr.args if not isinstance(a, ast.Starred)),
            keywords=tuple(
                Keyword(k.arg, value_of(k.value, reader)) for k in expr.keywords if k.arg
            ),
        )
    return Value(ValueKind.OTHER)
