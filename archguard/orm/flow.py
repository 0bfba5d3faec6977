"""One function's database flow: the queries it builds, the loops that consume their
rows, what each row's attributes are used for, and the queries and writes it runs,
with the loop and transaction around each."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from archguard.core.orm import (
    PREFETCH_BYPASS,
    DbCall,
    FunctionFlow,
    Origin,
    ParamUse,
    Query,
    Rows,
    RowUse,
    Serialization,
    TemplateRender,
    Use,
    UseKind,
    ValueKind,
)
from archguard.orm.queries import (
    EVALUATE,
    WRITES,
    Bound,
    ModelClass,
    NewObject,
    QueryReader,
    Row,
    chain,
    snippet,
    unwrap,
    value_of,
)
from archguard.orm.templates import TEMPLATE_SUFFIXES
from archguard.scan.syntax import Names, string

_SA_EVALUATE = frozenset(
    {
        "all",
        "first",
        "one",
        "one_or_none",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "scalars",
        "execute",
        "exec",
        "get",
        "count",
        "paginate",
        "get_or_404",
        "first_or_404",
        "one_or_404",
        "fetchall",
    }
)
_SESSION_WRITES = frozenset(
    {
        "add",
        "add_all",
        "delete",
        "merge",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "bulk_update_mappings",
    }
)
_INSTANCE_WRITES = frozenset({"save", "delete", "asave", "adelete"})
_M2M_WRITES = frozenset({"add", "remove", "set", "clear", "create", "aadd", "aremove", "aset"})
_ATOMIC = frozenset({"django.db.transaction.atomic", "django.db.transaction.non_atomic_requests"})
_PAGE_PARAMS = frozenset(
    {"limit", "offset", "page", "per_page", "page_size", "skip", "cursor", "size", "first", "after"}
)
_SESSION_TYPES = ("Session", "AsyncSession", "scoped_session")
_SMALL_RANGE = 10

#: Calls that hand their argument to the client as the response body.
_RESPONSE_WRAPPERS = frozenset(
    {
        "flask.jsonify",
        "flask.make_response",
        "django.http.JsonResponse",
        "django.http.response.JsonResponse",
        "fastapi.responses.JSONResponse",
        "fastapi.responses.ORJSONResponse",
        "starlette.responses.JSONResponse",
        "rest_framework.response.Response",
        "json.dumps",
    }
)
#: Functions that render a template with a context.
_RENDERERS = frozenset(
    {
        "django.shortcuts.render",
        "django.shortcuts.render_to_response",
        "django.template.loader.render_to_string",
        "django.template.response.TemplateResponse",
        "django.template.response.SimpleTemplateResponse",
        "flask.render_template",
        "flask.stream_template",
        "quart.render_template",
    }
)
#: Names of project wrappers around them (flaskbb's themed ``render_template``), taken
#: as renderers when they are given a template file's name.
_RENDER_NAMES = frozenset(
    {
        "render",
        "render_template",
        "render_to_response",
        "render_to_string",
        "TemplateResponse",
        "stream_template",
        "render_theme_template",
    }
)
_PREFETCH_OBJECTS = frozenset(
    {"django.db.models.prefetch_related_objects", "django.db.models.query.prefetch_related_objects"}
)
#: Builtins that fetch a queryset's rows (Django then caches them on the queryset).
_EVALUATORS = frozenset(
    f"builtins.{n}" for n in ("len", "list", "bool", "tuple", "sorted", "set", "any", "all")
)
#: Queryset methods answered from rows already fetched.
_FROM_CACHE = frozenset({"count", "exists", "acount", "aexists"})
#: Progress bars that wrap an iterable and yield its items.
_PROGRESS = frozenset(
    {
        "tqdm.tqdm",
        "tqdm.auto.tqdm",
        "tqdm.std.tqdm",
        "rich.progress.track",
        "click.progressbar",
        "alive_progress.alive_it",
    }
)
#: Builtins that reduce rows to one value.
_REDUCERS = frozenset({f"builtins.{n}" for n in ("len", "sum", "min", "max", "any", "all", "bool")})


@dataclass
class _Loop:
    line: int
    tainted: set[str]
    #: A ``while`` loop: each pass follows from the last (a walk or a work queue).
    walk: bool = False
    #: For a ``while``: the names its test reads.
    tested: frozenset[str] = frozenset()


@dataclass
class _State:
    row_uses: list[RowUse] = field(default_factory=list)
    param_uses: list[ParamUse] = field(default_factory=list)
    calls: list[DbCall] = field(default_factory=list)
    loop_calls: list[DbCall] = field(default_factory=list)
    serializations: list[Serialization] = field(default_factory=list)
    renders: list[TemplateRender] = field(default_factory=list)
    returned: list[Query] = field(default_factory=list)
    returns: Query | None = None
    returned_names: list[str] = field(default_factory=list)
    paginated: bool = False


class FlowBuilder:
    def __init__(
        self, names: Names, qualified: str, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> None:
        self.names = names
        self.node = node
        self.qualified = qualified
        self.env: dict[str, Bound] = {}
        #: How many loops were open where each name was last bound.
        self.depth: dict[str, int] = {}
        #: Dict variables that may become a template context: key -> the rows it holds.
        self.dicts: dict[str, dict[str, Query]] = {}
        self.sessions: set[str] = set()
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        self.params = tuple(a.arg for a in params)
        local = qualified[len(names.module) + 1 :] if names.module else qualified
        cls = qualified.rsplit(".", 1)[0] if "." in local else ""
        classmethod = any(
            isinstance(d, ast.Name) and d.id == "classmethod" for d in node.decorator_list
        )
        self.param_types: list[tuple[str, str]] = []
        #: Local names of a known class: annotated parameters.
        self.types: dict[str, str] = {}
        #: ``self.repo = Repo(...)``: the classes this method gives ``self``'s attributes.
        self.attribute_types: dict[str, str] = {}
        for index, arg in enumerate(params):
            annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            if any(t in annotation for t in _SESSION_TYPES):
                self.sessions.add(arg.arg)
                continue
            if classmethod and index == 0 and cls:
                self.env[arg.arg] = ModelClass(cls)  # ``cls.objects``, ``cls.query``
                continue
            # One object, as far as this function can tell; a loop over the parameter
            # turns it into rows (see ``_rows_of``).
            self.env[arg.arg] = Row(
                Query(Origin.PARAMETER, arg.arg, node.lineno, 0, arg.arg, rows=Rows.ONE)
            )
            named = _named_type(arg.annotation, names)
            if named:
                self.param_types.append((arg.arg, named))
                self.types[arg.arg] = named
        self.reader = QueryReader(names, self.env, self.sessions, cls)
        self.loops: list[_Loop] = []
        self.atomic = 0
        self.memo = 0
        #: The ``if`` arms open around the statement: (the ``if``'s line, 0 body / 1 else).
        self.branch: list[tuple[int, int]] = []
        self.guarded = 0
        #: Inside a retry-until-free query (see ``_retries``): not per row.
        self.retry = 0
        self.state = _State(paginated=bool(set(self.params) & _PAGE_PARAMS))
        self._consumed: set[int] = set()

    def build(self, name: str) -> FunctionFlow:
        node = self.node
        decorators = tuple(value_of(d, self.reader) for d in node.decorator_list)
        atomic = any(
            d.text in _ATOMIC for d in decorators if d.kind in (ValueKind.REF, ValueKind.CALL)
        )
        self._body(node.body)
        schema, many = self._response(node, decorators)
        state = self.state
        return FunctionFlow(
            name=name,
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            params=self.params,
            param_types=tuple(self.param_types),
            attribute_types=tuple(sorted(self.attribute_types.items())),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            decorators=decorators,
            returns=state.returns,
            returned_rows=tuple(dict.fromkeys(state.returned)),
            returned_names=tuple(dict.fromkeys(state.returned_names)),
            response_schema=schema,
            response_many=many,
            row_uses=tuple(state.row_uses),
            param_uses=_distinct(state.param_uses),
            calls=tuple(state.calls),
            loop_calls=tuple(state.loop_calls),
            serializations=tuple(state.serializations),
            renders=tuple(state.renders),
            atomic=atomic,
            paginated=state.paginated,
        )

    # -- statements -------------------------------------------------------------

    def _body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            self._assign(stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._for(stmt)
        elif isinstance(stmt, ast.While):
            self._expr(stmt.test)
            self._evaluated(stmt.test)
            # A walk (``node = node.parent``) or a work queue (``item = queue.pop()``)
            # changes its variables every pass: they are what the loop varies.
            carried = {n for child in stmt.body for n in _assigned(child)}
            tested = frozenset(n.id for n in ast.walk(stmt.test) if isinstance(n, ast.Name))
            self._loop(
                stmt.lineno, carried, lambda: self._body(stmt.body), walk=True, tested=tested
            )
            self._body(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            self._with(stmt)
        elif isinstance(stmt, ast.If):
            # ``while True: ... if not query.first(): return slug``: a query that ends the
            # loop when it finds nothing is a retry until a free value, not one per row.
            retry = bool(self.loops and self.loops[-1].walk and _exits(stmt.body))
            self.retry += retry
            self._expr(stmt.test)
            self.retry -= retry
            self._evaluated(stmt.test)
            memo = _is_cache_miss(stmt.test)
            self.memo += memo
            self.branch.append((stmt.lineno, 0))
            self._body(stmt.body)
            self.branch[-1] = (stmt.lineno, 1)
            self.memo -= memo
            self._body(stmt.orelse)
            self.branch.pop()
        elif isinstance(stmt, ast.Try):
            # ``try: ... commit() except IntegrityError: rollback()``: a step that stands
            # on its own on purpose.
            guarded = any(_rolls_back(h) for h in stmt.handlers)
            self.guarded += guarded
            self._body(stmt.body)
            self.guarded -= guarded
            for handler in stmt.handlers:
                self._body(handler.body)
            self._body(stmt.orelse)
            self._body(stmt.finalbody)
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self._expr(stmt.value)
                self._returned(stmt.value)
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self._expr(child)
                elif isinstance(child, ast.stmt):
                    self._stmt(child)
                elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    self._body(child.body)

    def _assign(self, stmt: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        value = stmt.value
        if value is None:
            return
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        # ``result[key] = query`` alone is no cache: each key is queried (that is the
        # N+1). A cache checks first (``if key not in cache``, see ``_is_cache_miss``).
        retry = self._retries(list(targets), value)
        self.retry += retry
        self._expr(value)
        self.retry -= retry
        bound = self.reader.bound(value) if not isinstance(stmt, ast.AugAssign) else None
        tainted = self._mentions_tainted(value)
        self._track_context(list(targets), value)
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                owner = (
                    bound.model
                    if isinstance(bound, NewObject)
                    else self.types.get(value.id, "")
                    if isinstance(value, ast.Name)
                    else ""
                )
                if owner:
                    self.attribute_types[target.attr] = owner
            for name in _target_names(target):
                self.env.pop(name, None)
                self.types.pop(name, None)
                if tainted and self.loops:
                    self.loops[-1].tainted.add(name)
            if isinstance(target, ast.Name):
                self.depth[target.id] = len(self.loops)
                self.reader.remember_prefetch(target.id, value)
            if isinstance(target, ast.Name) and bound is not None:
                self.env[target.id] = (
                    bound
                    if not isinstance(bound, Query) or bound.rows is not Rows.ONE
                    else Row(bound)
                )
            if isinstance(target, ast.Name) and _creates_session(value, self.names):
                self.sessions.add(target.id)

    def _retries(self, targets: list[ast.expr], value: ast.expr) -> bool:
        """``while taken is not None: value = new(); taken = Token.query.filter_by(
        value=value).first()``: the loop goes round again only while the query finds a
        row, and each pass asks about a fresh value, not the last row: a retry until a
        free value, which runs once in practice, not once per row."""
        loop = self.loops[-1] if self.loops else None
        if loop is None or not loop.walk:
            return False
        names = {n for t in targets for n in _target_names(t)}
        if not names & loop.tested:
            return False
        mentioned = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        return not names & mentioned and self.reader.query(value) is not None

    def _track_context(self, targets: list[ast.expr], value: ast.expr) -> None:
        """Dicts that may become a template context: ``context = {...}`` and
        ``context["books"] = qs``."""
        for target in targets:
            if isinstance(target, ast.Name):
                context = self._context(value)
                if context or isinstance(value, ast.Dict):
                    self.dicts[target.id] = context
                else:
                    self.dicts.pop(target.id, None)
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id in self.dicts
            ):
                key = string(target.slice)
                query = self._context_value(value) if key else None
                if key and query is not None:
                    self.dicts[target.value.id][key] = query

    def _for(self, stmt: ast.For | ast.AsyncFor) -> None:
        self._expr(stmt.iter)
        source = self._rows_of(stmt.iter)
        if (
            source is not None
            and self.loops
            and source.origin not in (Origin.PARAMETER, Origin.RELATED)
            and self._runs_again(stmt.iter, source)
        ):
            self._record(stmt.iter, "iterate", source, write=False)
        self._evaluated(stmt.iter)
        if _is_small_literal(stmt.iter):
            self._body(stmt.body)
        else:
            names = set(_target_names(stmt.target))
            self._loop(
                stmt.lineno,
                names,
                lambda: self._bind_rows(
                    stmt.target, stmt.iter, source, stmt.lineno, lambda: self._body(stmt.body)
                ),
            )
        self._body(stmt.orelse)

    def _with(self, stmt: ast.With | ast.AsyncWith) -> None:
        atomic = False
        for item in stmt.items:
            self._expr(item.context_expr)
            if _is_transaction(item.context_expr, self.names):
                atomic = True
            if (
                item.optional_vars is not None
                and isinstance(item.optional_vars, ast.Name)
                and _creates_session(item.context_expr, self.names)
            ):
                self.sessions.add(item.optional_vars.id)
        self.atomic += atomic
        self._body(stmt.body)
        self.atomic -= atomic

    def _runs_again(self, iterable: ast.expr, source: Query) -> bool:
        """Whether iterating ``iterable`` inside a loop runs its query on every pass.
        A list of rows (``.all()`` of a select, ``list(qs)``) runs nothing, and a Django
        queryset bound before the loop caches its rows on the first pass; a SQLAlchemy
        ``Query`` object runs again each time it is iterated."""
        if source.evaluated:
            return False
        node = unwrap(iterable)
        if _is_enumerate(node):
            assert isinstance(node, ast.Call)
            node = unwrap(node.args[0])
        return not (
            isinstance(node, ast.Name)
            and source.orm != "sqlalchemy"
            and self.depth.get(node.id, 0) < len(self.loops)
        )

    def _evaluated(self, expr: ast.expr) -> None:
        """Marks a Django queryset variable whose rows ``expr`` fetches (iterating it,
        ``len()``, ``list()``, ``bool()``, an ``if``): it caches them, so iterating it,
        ``count()`` and ``exists()`` afterwards run no query."""
        node = unwrap(expr)
        if isinstance(node, ast.Call) and (
            self.names.qualify(node.func) in _EVALUATORS or _is_enumerate(node)
        ):
            node = unwrap(node.args[0]) if node.args else node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            node = unwrap(node.operand)
        if not isinstance(node, ast.Name):
            return
        bound = self.env.get(node.id)
        if (
            isinstance(bound, Query)
            and bound.rows is Rows.MANY
            and bound.orm != "sqlalchemy"
            and not bound.evaluated
        ):
            self.env[node.id] = replace(bound, evaluated=True)

    def _loop(
        self,
        line: int,
        tainted: set[str],
        visit: object,
        walk: bool = False,
        tested: frozenset[str] = frozenset(),
    ) -> None:
        self.loops.append(_Loop(line, tainted, walk, tested))
        try:
            visit()  # type: ignore[operator]
        finally:
            self.loops.pop()

    def _bind_rows(
        self, target: ast.expr, iterable: ast.expr, source: Query | None, line: int, visit: object
    ) -> None:
        saved = dict(self.env)
        names = _target_names(target)
        for name in names:
            self.env.pop(name, None)
        element: ast.expr | None = target
        if isinstance(target, ast.Tuple) and _is_enumerate(iterable) and len(target.elts) == 2:
            element = target.elts[1]
        elif isinstance(target, ast.Tuple) and source is not None and source.tuples:
            element = target.elts[0]  # ``for post, user in ...add_entity(User)``
        elif source is not None and source.tuples:
            element = None  # each row is a tuple, not an instance
        if source is not None and isinstance(element, ast.Name):
            self.env[element.id] = Row(replace(source, tuples=False), line)
        try:
            visit()  # type: ignore[operator]
        finally:
            for name in names:
                self.env.pop(name, None)
                if name in saved:
                    self.env[name] = saved[name]

    def _rows_of(self, iterable: ast.expr) -> Query | None:
        """The query whose rows a loop yields (``enumerate`` and ``list`` see through)."""
        iterable = unwrap(iterable)
        if _is_enumerate(iterable):
            assert isinstance(iterable, ast.Call)
            iterable = iterable.args[0]
        if self._progress(iterable):
            assert isinstance(iterable, ast.Call)
            iterable = iterable.args[0]
        query = self.reader.query(iterable)
        if query is not None and query.rows is Rows.MANY:
            return query
        if isinstance(iterable, ast.Name) and iterable.id in self.params:
            bound = self.env.get(iterable.id)
            if (
                isinstance(bound, Row)
                and bound.query.origin is Origin.PARAMETER
                and bound.query.ref == iterable.id
            ):
                # Rows a caller hands in; the project pass knows which query they come from.
                return replace(bound.query, rows=Rows.MANY)
        return None

    def _progress(self, call: ast.expr) -> bool:
        """``tqdm(qs)``, ``track(qs)`` or a callable the function is handed
        (``iter_wrapper(qs)``): a progress wrapper that yields the rows it is given."""
        if not isinstance(call, ast.Call) or (len(call.args) != 1 and not call.keywords):
            return False
        if not call.args:
            return False
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.params:
            return True
        return self.names.qualify(func) in _PROGRESS

    # -- expressions ------------------------------------------------------------

    def _expr(self, node: ast.expr, compare: bool = False) -> None:
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._comprehension(node)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                self._expr(operand, compare=True)
            return
        if isinstance(node, (ast.Attribute, ast.Call)) and self._row_chain(node, compare):
            return
        if isinstance(node, ast.Call) and self._map(node):
            return
        if isinstance(node, ast.Call):
            self._call(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._expr(child)
            elif isinstance(child, ast.keyword):
                self._expr(child.value)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        def visit(index: int) -> None:
            if index == len(node.generators):
                for part in (
                    (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)
                ):
                    self._expr(part)
                return
            generator = node.generators[index]
            self._expr(generator.iter)
            source = self._rows_of(generator.iter)
            if (
                source is not None
                and self.loops
                and index == 0
                and source.origin not in (Origin.PARAMETER, Origin.RELATED)
                and self._runs_again(generator.iter, source)
            ):
                self._record(generator.iter, "iterate", source, write=False)
            if index == 0:
                self._evaluated(generator.iter)

            def inner() -> None:
                for condition in generator.ifs:
                    self._expr(condition)
                visit(index + 1)

            if _is_small_literal(generator.iter):
                inner()
                return
            self._loop(
                node.lineno,
                set(_target_names(generator.target)),
                lambda: self._bind_rows(
                    generator.target, generator.iter, source, node.lineno, inner
                ),
            )

        visit(0)

    def _map(self, call: ast.Call) -> bool:
        """``map(lambda b: ..., rows)`` and ``map(to_dict, rows)`` consume every row, as a
        comprehension does; True when handled."""
        if len(call.args) != 2 or self.names.qualify(call.func) != "builtins.map":
            return False
        func, iterable = call.args
        source = self._rows_of(iterable)
        if source is None:
            return False
        self._expr(iterable)
        if isinstance(func, ast.Lambda) and len(func.args.args) == 1 and not func.args.vararg:
            parameter = func.args.args[0].arg
            target = ast.Name(id=parameter, ctx=ast.Store())
            body = func.body
            self._loop(
                call.lineno,
                {parameter},
                lambda: self._bind_rows(
                    target, iterable, source, call.lineno, lambda: self._expr(body)
                ),
            )
            return True
        callee = self._callee(func)
        if not callee or isinstance(func, ast.Lambda):
            return False
        self._use(
            Row(source, call.lineno),
            Use(call.lineno, call.col_offset + 1, UseKind.PASS, "", callee=callee, argument=0),
        )
        return True

    def _row_chain(self, node: ast.Attribute | ast.Call, compare: bool) -> bool:
        """Records ``row.a.b`` / ``row.a.method()`` as a use; True when handled."""
        root, links = chain(node)
        if not isinstance(root, ast.Name) or id(node) in self._consumed:
            return False
        bound = self.env.get(root.id)
        if not isinstance(bound, Row) or root.id in self.sessions:
            return False
        attrs: list[str] = []
        for link in links:
            if not isinstance(link, ast.Attribute):
                break
            attrs.append(link.attr)
        if not attrs:
            return False
        rest = links[len(attrs) :]
        called = bool(rest) and isinstance(rest[0], ast.Call)
        if called:
            call = rest[0]
            assert isinstance(call, ast.Call)
            self._call(call)
            for arg in (*call.args, *(k.value for k in call.keywords)):
                self._expr(arg)
            rest = rest[1:]
        if called and len(attrs) == 1:
            use = Use(node.lineno, node.col_offset + 1, UseKind.METHOD, attrs[0])
        else:
            path = attrs[:-1] if called else attrs
            use = Use(
                node.lineno,
                node.col_offset + 1,
                UseKind.READ,
                "__".join(path),
                call=attrs[-1] if called else "",
                compare=compare,
            )
        self._use(bound, use)
        for link in rest:
            for child in ast.iter_child_nodes(link):
                if isinstance(child, ast.expr) and child not in links:
                    self._expr(child)
        return True

    def _use(self, bound: Row, use: Use) -> None:
        query = bound.query
        if query.origin is Origin.PARAMETER and bound.loop_line == 0:
            self.state.param_uses.append(ParamUse(query.ref, use))
        else:
            self.state.row_uses.append(RowUse(query, use, bound.loop_line))

    def _call(self, call: ast.Call) -> None:
        if id(call) in self._consumed:
            return
        func = unwrap(call.func)
        callee = self._callee(func)
        if callee.rsplit(".", 1)[-1] in ("Paginator", "paginate", "paginate_queryset"):
            self.state.paginated = True
        if callee in _PREFETCH_OBJECTS and call.args and isinstance(call.args[0], ast.Name):
            self._prefetch_objects(call.args[0].id, call)
        if callee in _EVALUATORS:
            self._evaluated(call)
        self._render(call, callee)
        many = any(
            k.arg == "many" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
        if many and call.args:
            rows = self.reader.query(call.args[0])
            if rows is not None and rows.rows is Rows.MANY:
                self.state.serializations.append(
                    Serialization(callee, rows, call.lineno, call.col_offset + 1)
                )
        for index, arg in enumerate(call.args):
            bound = self.env.get(arg.id) if isinstance(arg, ast.Name) else None
            if isinstance(bound, Row) and callee:
                self._use(
                    bound,
                    Use(
                        call.lineno,
                        call.col_offset + 1,
                        UseKind.PASS,
                        "",
                        callee=callee,
                        argument=index,
                    ),
                )
            elif (
                isinstance(bound, Query)
                and bound.rows is Rows.MANY
                and callee
                and bound.origin is not Origin.PARAMETER
                and not callee.startswith("builtins.")
                and callee not in _PREFETCH_OBJECTS
            ):
                use = Use(
                    call.lineno,
                    call.col_offset + 1,
                    UseKind.ROWS,
                    "",
                    callee=callee,
                    argument=index,
                )
                self.state.row_uses.append(RowUse(bound, use, call.lineno))
        # ``self.repo.get(pk)`` may be a related manager of a model's ``self`` or a
        # method of an object the class holds: both are recorded, and the project pass
        # keeps the one it can resolve.
        held = callee.startswith("self.") and callee.count(".") == 2
        if isinstance(func, ast.Attribute) and self._db_call(call, func) and not held:
            return
        if self.loops and self._is_function(func) and not callee.startswith("builtins."):
            self.state.loop_calls.append(
                DbCall(
                    callee,
                    call.lineno,
                    call.col_offset + 1,
                    snippet(call),
                    loop_line=self.loops[-1].line,
                    variant=self._mentions_tainted(call),
                    atomic=self.atomic > 0,
                    memoised=self.memo > 0,
                    walk=self.loops[-1].walk,
                )
            )

    def _render(self, call: ast.Call, callee: str) -> None:
        """``render(request, "books/list.html", {"books": qs})``,
        ``render_template("list.html", books=qs)``,
        ``templates.TemplateResponse("list.html", {"request": r, "books": qs})`` and
        ``env.get_template("list.html").render(books=qs)``: the template and the rows its
        context holds."""
        func = call.func
        positional = list(call.args)
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "render"
            and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Attribute)
            and func.value.func.attr == "get_template"
        ):
            positional = [*func.value.args, *call.args]
        elif callee not in _RENDERERS and callee.rsplit(".", 1)[-1] not in _RENDER_NAMES:
            return
        name = ""
        context: dict[str, Query] = {}
        for index, arg in enumerate(positional):
            literal = string(arg)
            if isinstance(arg, (ast.List, ast.Tuple)) and arg.elts:
                literal = string(arg.elts[0])
            if (
                literal is not None
                and callee not in _RENDERERS
                and not literal.endswith(TEMPLATE_SUFFIXES)
            ):
                return  # a project's own ``render(...)``: a template only by its name
            if literal is not None and not name:
                name = literal
                after = positional[index + 1] if index + 1 < len(positional) else None
                if after is not None:
                    context.update(self._context(after))
                break
        for kw in call.keywords:
            if kw.arg == "context" or kw.arg is None:
                context.update(self._context(kw.value))
            elif kw.arg not in ("content_type", "status", "using", "request", "headers"):
                found = self._context_value(kw.value)
                if found is not None:
                    context[kw.arg] = found
        if name and context:
            self.state.renders.append(
                TemplateRender(
                    name, tuple(sorted(context.items())), call.lineno, call.col_offset + 1
                )
            )

    def _context(self, expr: ast.expr) -> dict[str, Query]:
        """The rows a template context holds: a dict literal, ``dict(...)``, or a dict
        built in a variable before (``context["books"] = qs`` included)."""
        expr = unwrap(expr)
        if isinstance(expr, ast.Name):
            return dict(self.dicts.get(expr.id, {}))
        found: dict[str, Query] = {}
        if isinstance(expr, ast.Dict):
            for key, value in zip(expr.keys, expr.values, strict=True):
                if key is None:
                    found.update(self._context(value))
                    continue
                name = string(key)
                query = self._context_value(value) if name else None
                if name and query is not None:
                    found[name] = query
        elif isinstance(expr, ast.Call) and self.names.qualify(expr.func) == "builtins.dict":
            for kw in expr.keywords:
                query = self._context_value(kw.value) if kw.arg else None
                if kw.arg and query is not None:
                    found[kw.arg] = query
        return found

    def _context_value(self, expr: ast.expr) -> Query | None:
        bound = self.reader.bound(expr)
        if isinstance(bound, Query) and bound.rows in (Rows.MANY, Rows.ONE):
            return bound
        if (
            isinstance(bound, Row)
            and not bound.loop_line
            and bound.query.origin is not (Origin.PARAMETER)
        ):
            return replace(bound.query, rows=Rows.ONE)
        return None

    def _prefetch_objects(self, name: str, call: ast.Call) -> None:
        """``prefetch_related_objects(books, "tags")`` loads into rows already fetched."""
        rows = self.env.get(name)
        if isinstance(rows, Query) and rows.rows is Rows.MANY:
            lookups = ast.Call(func=call.func, args=call.args[1:], keywords=[])
            self.env[name] = self.reader.loaded(rows, "prefetch_related", lookups)

    def _is_function(self, func: ast.expr) -> bool:
        """A call the project pass can look up: a module-level function, a method of
        ``self`` or of an object ``self`` holds (``self.repo.get``), of a local object
        of a known class (``repo = Repo(); repo.get``) or of a parameter annotated with
        one (``repo: Repo``); ``out.append`` or ``b.tags.all`` are not."""
        if isinstance(func, ast.Name):
            return func.id not in self.env and func.id not in self.sessions
        root, links = chain(func)
        if not isinstance(root, ast.Name) or not all(isinstance(x, ast.Attribute) for x in links):
            return False
        if root.id == "self":
            return len(links) <= 2
        return self.names.is_imported(root.id) or (
            len(links) == 1 and bool(self._instance_class(root.id))
        )

    def _instance_class(self, name: str) -> str:
        """The class of a local object: built here (``Repo(...)``) or annotated."""
        bound = self.env.get(name)
        if isinstance(bound, NewObject):
            return bound.model
        return self.types.get(name, "")

    def _callee(self, func: ast.expr) -> str:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id == "self":
                return f"self.{func.attr}"
            owner = self._instance_class(func.value.id)
            if owner and func.value.id not in self.sessions:
                return f"{owner}.{func.attr}"
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Attribute)
            and isinstance(func.value.value, ast.Name)
            and func.value.value.id == "self"
        ):
            return f"self.{func.value.attr}.{func.attr}"
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self.names.qualify(func)
        return ""

    def _db_call(self, call: ast.Call, func: ast.Attribute) -> bool:
        method = func.attr
        receiver = unwrap(func.value)
        receiver_root, _ = chain(receiver)
        if isinstance(receiver_root, ast.Name) and (
            receiver_root.id in self.sessions or self.reader._is_session([_last(receiver)])
        ):
            if method in _SESSION_WRITES or method in ("commit", "flush"):
                model = ""
                if call.args and isinstance(call.args[0], ast.Name):
                    bound = self.env.get(call.args[0].id)
                    model = bound.model if isinstance(bound, NewObject) else ""
                self._record(call, method, None, write=True, model=model)
                return True
            if method == "execute" and call.args and _is_dml(call.args[0], self.names):
                self._record(call, "execute", None, write=True)
                return True
            query = self.reader.query(call)
            if query is not None and method in _SA_EVALUATE:
                self._record(call, method, query, write=False)
                self._consume(call)
                return True
        whole = self.reader.bound(call)
        if (
            isinstance(whole, Query)
            and whole.origin is Origin.RELATED
            and whole.parent is not None
            and unwrap(call.func) is func
            and _related_head(receiver)
        ):
            if method in PREFETCH_BYPASS or method in _M2M_WRITES:
                self._record(call, method, whole, write=method in _M2M_WRITES, bypass=whole.ref)
            self._consume(call)
            return True
        bound = self.reader.bound(receiver)
        if isinstance(bound, (Row, NewObject)) and method in _INSTANCE_WRITES:
            target = receiver.id if isinstance(receiver, ast.Name) else snippet(receiver)
            model = (
                bound.model
                if isinstance(bound, NewObject)
                else (bound.query.ref if bound.query.origin is Origin.MODEL else "")
            )
            self._record(
                call,
                method,
                bound.query if isinstance(bound, Row) else None,
                write=True,
                model=model,
                target=target,
            )
            return True
        if not isinstance(bound, Query):
            return False
        if bound.origin is Origin.RELATED:
            return False
        if bound.rows is Rows.MAPPING or (bound.evaluated and method in _FROM_CACHE):
            self._consume(call)
            return True  # a dict lookup, or a count of rows already fetched
        evaluates = method in EVALUATE or (bound.orm == "sqlalchemy" and method in _SA_EVALUATE)
        if not evaluates:
            return False
        write = method in WRITES
        model = bound.ref if bound.origin is Origin.MODEL else ""
        self._record(call, method, bound, write=write, model=model)
        self._consume(call)
        return True

    def _consume(self, call: ast.Call) -> None:
        """Marks the calls inside a recorded chain, so one query is recorded once."""
        _, links = chain(call)
        for link in links:
            if isinstance(link, ast.Call) and link is not call:
                self._consumed.add(id(link))
        for node in ast.walk(call.func):
            if isinstance(node, ast.Call):
                self._consumed.add(id(node))

    def _record(
        self,
        node: ast.expr,
        op: str,
        query: Query | None,
        *,
        write: bool,
        model: str = "",
        target: str = "",
        bypass: str = "",
    ) -> None:
        loop = self.loops[-1] if self.loops and not self.retry else None
        self.state.calls.append(
            DbCall(
                op=op,
                line=node.lineno,
                column=node.col_offset + 1,
                text=snippet(node),
                write=write,
                model=model
                or (query.ref if query is not None and query.origin is Origin.MODEL else ""),
                target=target,
                orm=query.orm
                if query is not None
                else ("sqlalchemy" if op in ("commit", "flush", "add", "add_all", "merge") else ""),
                loop_line=loop.line if loop else 0,
                variant=bool(loop) and self._mentions_tainted(node, loop),
                atomic=self.atomic > 0,
                bypass=bypass,
                query=query,
                memoised=self.memo > 0,
                walk=loop.walk if loop is not None else False,
                branch=tuple(self.branch),
                guarded=self.guarded > 0,
            )
        )

    def _mentions_tainted(self, node: ast.AST, loop: _Loop | None = None) -> bool:
        frames = [loop] if loop is not None else self.loops
        tainted = set().union(*(f.tainted for f in frames)) if frames else set()
        return any(isinstance(n, ast.Name) and n.id in tainted for n in ast.walk(node))

    # -- results ----------------------------------------------------------------

    def _returned(self, value: ast.expr) -> None:
        if (
            isinstance(value, (ast.Name, ast.Attribute))
            and chain(value)[0] is not None
            and not (isinstance(value, ast.Name) and value.id in self.env)
        ):
            named = self.names.qualify(value)
            if named and named[:1] != "." and named.rsplit(".", 1)[-1][:1].isupper():
                self.state.returned_names.append(named)  # ``return BookSerializer``
        query = self.reader.query(value)
        if query is not None and self.state.returns is None:
            self.state.returns = query
        seen: list[Query] = []
        pending: list[ast.AST] = [value]
        while pending:
            node = pending.pop()
            found: Bound | None = None
            if isinstance(node, ast.Name):
                found = self.env.get(node.id)
            elif isinstance(node, (ast.Call, ast.Attribute, ast.Subscript, ast.Await)):
                found = self.reader.bound(node)
            if (
                isinstance(found, Query)
                and found.origin is Origin.FUNCTION
                and found.ref in _RESPONSE_WRAPPERS
                and isinstance(node, ast.Call)
            ):
                pending.extend(node.args)  # ``jsonify([b.to_dict() for b in Book.query.all()])``
                continue
            if isinstance(found, Query):
                # The outermost chain only: ``qs.filter()[:10]`` is bounded even though
                # ``qs.filter()`` inside it is not.
                if found.rows in (Rows.MANY, Rows.DICTS) and found.origin is not Origin.PARAMETER:
                    seen.append(found)
                continue
            if isinstance(node, ast.Call) and self.names.qualify(node.func) in _REDUCERS:
                continue  # ``len(qs)`` returns a number, not the rows
            pending.extend(ast.iter_child_nodes(node))
        for serialization in self.state.serializations:
            if value.lineno <= serialization.line <= (value.end_lineno or value.lineno):
                seen.append(serialization.query)
        self.state.returned.extend(seen)

    def _response(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorators: tuple[object, ...]
    ) -> tuple[str, bool]:
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call):
                for kw in decorator.keywords:
                    if kw.arg == "response_model":
                        return _schema(kw.value, self.names)
        if node.returns is not None:
            return _schema(node.returns, self.names)
        return "", False


def _schema(expr: ast.expr, names: Names) -> tuple[str, bool]:
    if isinstance(expr, ast.Subscript):
        container = names.qualify(expr.value).rsplit(".", 1)[-1]
        if container in ("list", "List", "Sequence", "Iterable", "set"):
            inner, _ = _schema(expr.slice, names)
            return inner, True
        return "", False
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        try:
            return _schema(ast.parse(expr.value, mode="eval").body, names)
        except SyntaxError:
            return "", False
    if isinstance(expr, (ast.Name, ast.Attribute)):
        return names.qualify(expr), False
    return "", False


def _named_type(annotation: ast.expr | None, names: Names) -> str:
    """The class a parameter annotation names: ``Order``, ``"Order"``, ``Order | None``,
    ``Optional[Order]``."""
    if annotation is None:
        return ""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return ""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [
            s
            for s in (annotation.left, annotation.right)
            if not (isinstance(s, ast.Constant) and s.value is None)
        ]
        return _named_type(sides[0], names) if len(sides) == 1 else ""
    if isinstance(annotation, ast.Subscript):
        if names.qualify(annotation.value).rsplit(".", 1)[-1] == "Optional":
            return _named_type(annotation.slice, names)
        return ""
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        return names.qualify(annotation)
    return ""


def _related_head(receiver: ast.expr) -> bool:
    """``row.tags`` (the manager itself), not ``row.tags.filter(...)`` (a queryset)."""
    _, links = chain(receiver)
    return all(isinstance(link, ast.Attribute) for link in links)


def _target_names(target: ast.expr) -> list[str]:
    """Names an assignment binds (``obj.attr = ...`` binds none)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _exits(body: list[ast.stmt]) -> bool:
    """Whether a block leaves the loop it is in (``return`` or ``break``)."""
    return any(isinstance(stmt, (ast.Return, ast.Break)) for stmt in body)


def _rolls_back(handler: ast.ExceptHandler) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "rollback"
        for n in ast.walk(handler)
    )


def _assigned(stmt: ast.stmt) -> set[str]:
    """Names a statement (and the statements inside it) binds."""
    found: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                found.update(_target_names(target))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            found.update(_target_names(node.target))
        elif isinstance(node, ast.NamedExpr):
            found.add(node.target.id)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    found.update(_target_names(item.optional_vars))
    return found


def _last(expr: ast.expr) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


def _is_enumerate(expr: ast.expr) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "enumerate"
        and bool(expr.args)
    )


def _is_small_literal(expr: ast.expr) -> bool:
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "range":
        last = expr.args[-1] if expr.args else None
        return (
            isinstance(last, ast.Constant)
            and isinstance(last.value, int)
            and last.value <= _SMALL_RANGE
        )
    return False


def _is_transaction(expr: ast.expr, names: Names) -> bool:
    expr = unwrap(expr)
    if isinstance(expr, ast.Call):
        name = names.qualify(expr.func)
        if name in _ATOMIC or name.endswith(".atomic"):
            return True
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in ("begin", "begin_nested"):
            return True
    return names.qualify(expr) in _ATOMIC


def _creates_session(expr: ast.expr, names: Names) -> bool:
    expr = unwrap(expr)
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr == "begin":
        func = func.value.func if isinstance(func.value, ast.Call) else func.value
    name = (
        names.qualify(func).rsplit(".", 1)[-1]
        if isinstance(func, (ast.Name, ast.Attribute))
        else ""
    )
    return "Session" in name or "session" in name


def _is_dml(expr: ast.expr, names: Names) -> bool:
    root, _ = chain(expr)
    if isinstance(root, ast.Name):
        return names.qualify(root).rsplit(".", 1)[-1] in ("insert", "update", "delete")
    return False


def _is_cache_miss(test: ast.expr) -> bool:
    """``key not in cache``: the body fills a per-key cache."""
    return (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.NotIn)
    )


def _distinct(uses: list[ParamUse]) -> tuple[ParamUse, ...]:
    """One use per distinct read: a parameter's uses are judged at the caller's line, so
    ``self.total`` read ten times is one fact, not ten."""
    seen: dict[tuple[object, ...], ParamUse] = {}
    for found in uses:
        use = found.use
        seen.setdefault(
            (found.param, use.kind, use.path, use.call, use.compare, use.callee, use.argument),
            found,
        )
    return tuple(seen.values())
