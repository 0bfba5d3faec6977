"""Where rows are consumed and what each consumption costs: the relation reads,
queries and writes per row that the N+1 rules report.

Consumption sites are loops and comprehensions over a query, list serializers
(``many=True`` and DRF list views), FastAPI list responses, and the Django admin
changelist. Methods, serializer methods and helper functions a row is handed to are
inlined two levels deep.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archguard.core.orm import (
    PREFETCH_BYPASS,
    ClassAttribute,
    DbCall,
    FunctionFlow,
    Origin,
    Query,
    Rows,
    Use,
    UseKind,
    Value,
    ValueKind,
)
from archguard.orm.models import (
    ALWAYS_QUERY,
    DRF_LIST_VIEWS,
    EAGER,
    NO_QUERY,
    Model,
    Registry,
    Relation,
)
from archguard.orm.resolve import Resolved, Resolver, Scope, class_of

_INLINE_DEPTH = 2
#: Methods that write through a relation rather than read it.
_WRITE_CALLS = frozenset(
    {
        "delete",
        "adelete",
        "save",
        "asave",
        "clear",
        "remove",
        "set",
        "add",
        "update",
        "aclear",
        "aremove",
        "aset",
        "aadd",
    }
)
_RELATED_FIELDS = frozenset(
    {
        "PrimaryKeyRelatedField",
        "SlugRelatedField",
        "StringRelatedField",
        "HyperlinkedRelatedField",
        "ManyRelatedField",
    }
)


@dataclass(frozen=True)
class Site:
    """Where a finding is reported: the loop body line, serializer or admin line."""

    module: str
    line: int
    column: int
    function: str
    loop_line: int
    loop_module: str
    #: How the row got there: "" for a direct read, else "Book.to_dict()" and the like.
    via: str = ""
    is_async: bool = False
    #: Consumed through a serializer that overrides ``to_representation``: its output
    #: may leave out the fields read here.
    custom: bool = False


@dataclass(frozen=True)
class Problem:
    #: relation | dynamic | fk_id | compare | query
    kind: str
    site: Site
    query: Resolved
    #: The relation path from the query's model (``author``, ``tags__group``).
    path: str = ""
    relation: Relation | None = None
    call: DbCall | None = None
    #: A bypassing related-manager call on a prefetched relation.
    prefetched: bool = False


class Consumption:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.resolver = Resolver(registry)
        self.problems: list[Problem] = []

    # -- entry points --------------------------------------------------------------

    def run(self) -> list[Problem]:
        registry = self.registry
        for _, (module, flow) in sorted(registry.functions.items()):
            self._flow(module, flow)
        for qualified in sorted(registry.classes):
            self._list_view(qualified)
            self._admin(qualified)
        return self.problems

    def _flow(self, module: str, flow: FunctionFlow) -> None:
        scope = Scope(module, class_of(module, flow.name))
        for row_use in flow.row_uses:
            if row_use.loop_line == 0 and row_use.query.rows is not Rows.ONE:
                continue
            if row_use.query.origin is Origin.PARAMETER:
                continue
            resolved = self.resolver.resolve(row_use.query, scope)
            if resolved is None:
                continue
            if row_use.query.origin is Origin.RELATED:
                resolved, prefix = self._outer(row_use.query, scope, resolved)
            else:
                prefix = ""
            site = Site(
                module,
                row_use.use.line,
                row_use.use.column,
                flow.name,
                row_use.loop_line,
                module,
                is_async=flow.is_async,
            )
            self._use(resolved, prefix, row_use.use, site, scope, 0)
        for serialization in flow.serializations:
            resolved = self.resolver.resolve(serialization.query, scope)
            if resolved is None or resolved.rows is not Rows.MANY:
                continue
            site = Site(
                module,
                serialization.line,
                serialization.column,
                flow.name,
                serialization.line,
                module,
                via=serialization.schema.rsplit(".", 1)[-1],
                is_async=flow.is_async,
            )
            serializer = self._serializer_class(serialization.schema, scope)
            if serializer:
                self._serializer(serializer, resolved, "", site, 0)
        if (
            flow.response_schema
            and flow.response_many
            and _is_route(flow)
            and self.registry.model(flow.response_schema) is None
        ):
            for returned in flow.returned_rows:
                resolved = self.resolver.resolve(returned, scope)
                if resolved is None or resolved.rows is not Rows.MANY:
                    continue
                site = Site(
                    module,
                    returned.line,
                    returned.column,
                    flow.name,
                    returned.line,
                    module,
                    via=flow.response_schema.rsplit(".", 1)[-1],
                    is_async=flow.is_async,
                )
                self._schema(flow.response_schema, resolved, "", site, 0)

    def _outer(self, query: Query, scope: Scope, resolved: Resolved) -> tuple[Resolved, str]:
        """A row of ``parent.rel.all()`` inside a loop over the parent: reads are
        checked against the parent query's loads with the relation as prefix."""
        parent = query.parent
        if parent is None or parent.origin is Origin.PARAMETER or not query.ref:
            return resolved, ""
        outer = self.resolver.resolve(parent, scope)
        if outer is None:
            return resolved, ""
        return outer, query.ref

    # -- one use of a row ----------------------------------------------------------

    def _use(
        self, query: Resolved, prefix: str, use: Use, site: Site, scope: Scope, depth: int
    ) -> None:
        model = self._model_at(query.model, prefix)
        if model is None:
            return
        if use.kind is UseKind.METHOD:
            self._method(query, prefix, model, use.path, site, depth)
            return
        if use.kind is UseKind.PASS:
            self._passed(query, prefix, use, site, scope, depth)
            return
        if use.kind is UseKind.ROWS:
            self._rows_passed(query, prefix, use, site, scope, depth)
            return
        parts = use.path.split("__")
        if parts[0] in model.proxies:
            parts = model.proxies[parts[0]].split("__") + parts[1:]
        for index, name in enumerate(parts):
            relation = model.relations.get(name)
            if relation is None:
                if index == len(parts) - 1 and not use.call and name in model.facts.methods:
                    self._method(
                        query, _join(prefix, "__".join(parts[:index])), model, name, site, depth
                    )
                return
            full = _join(prefix, "__".join(parts[: index + 1]))
            last = index == len(parts) - 1
            after = parts[index + 1] if not last else use.call
            if relation.lazy in NO_QUERY:
                return
            if relation.lazy in ALWAYS_QUERY:
                self._add("dynamic", site, query, full, relation)
                return
            loaded = self._loaded(query, full, relation)
            if relation.many and last and use.call in PREFETCH_BYPASS:
                return  # reported as a query in the loop, with the prefetch it bypasses
            if last and use.call in _WRITE_CALLS:
                # ``row.thumbnail.delete()``, ``row.tags.clear()``: a write per row, which
                # loading the relation with the query would not save.
                return
            if not loaded:
                if (
                    not relation.many
                    and relation.id_attribute
                    and after in ("id", "pk")
                    and index == len(parts) - 2
                    and not use.call
                ):
                    self._add("fk_id", site, query, full, relation)
                elif not relation.many and last and use.compare and not use.call:
                    self._add("compare", site, query, full, relation)
                elif site.loop_line:
                    self._add("relation", site, query, full, relation)
                return
            target = self.registry.models.get(relation.target)
            if target is None:
                return
            if last and use.call and not relation.many and use.call in target.facts.methods:
                self._method(query, full, target, use.call, site, depth)
                return
            model = target

    def _loaded(self, query: Resolved, path: str, relation: Relation) -> bool:
        if relation.lazy in EAGER or path in query.loads:
            return True
        if query.load_all:
            if relation.orm == "sqlalchemy":
                return "__" not in path
            return not relation.many and not relation.null and not relation.generic
        return False

    def _model_at(self, model: Model, prefix: str) -> Model | None:
        for hop in prefix.split("__") if prefix else ():
            relation = model.relations.get(hop)
            target = self.registry.models.get(relation.target) if relation is not None else None
            if target is None:
                return None
            model = target
        return model

    def _add(
        self,
        kind: str,
        site: Site,
        query: Resolved,
        path: str,
        relation: Relation | None,
        call: DbCall | None = None,
        prefetched: bool = False,
    ) -> None:
        if kind in ("relation", "dynamic") and not site.loop_line:
            return
        self.problems.append(Problem(kind, site, query, path, relation, call, prefetched))

    # -- inlining ------------------------------------------------------------------

    def _method(
        self, query: Resolved, prefix: str, model: Model, name: str, site: Site, depth: int
    ) -> None:
        found = self.registry.method(model.qualname, name)
        if found is None or depth >= _INLINE_DEPTH:
            return
        module, flow = found
        if not flow.params:
            return
        via = site.via or f"{model.name}.{name}()"
        self._inline(query, prefix, module, flow, flow.params[0], _with_via(site, via), depth + 1)

    def _passed(
        self, query: Resolved, prefix: str, use: Use, site: Site, scope: Scope, depth: int
    ) -> None:
        callee = use.callee
        found = self.registry.callee(callee, scope.cls)
        argument = use.argument + 1  # past ``self``
        if not callee.startswith("self."):
            serializer = self._serializer_class(callee, scope)
            if serializer:
                self._serializer(
                    serializer, query, prefix, _with_via(site, serializer.rsplit(".", 1)[-1]), depth
                )
                return
            owner, _, method = callee.rpartition(".")
            if (
                method in ("model_validate", "from_orm", "validate")
                and self.registry.canonical(owner) in self.registry.classes
            ):
                self._schema(owner, query, prefix, site, depth)
                return
            argument = use.argument
        if found is None or depth >= _INLINE_DEPTH:
            return
        module, flow = found
        if argument >= len(flow.params):
            return
        via = site.via or f"{flow.name}()"
        self._inline(
            query, prefix, module, flow, flow.params[argument], _with_via(site, via), depth + 1
        )

    def _rows_passed(
        self, query: Resolved, prefix: str, use: Use, site: Site, scope: Scope, depth: int
    ) -> None:
        """``render_books(books)``: what the callee reads from each row it loops over."""
        found = self.registry.callee(use.callee, scope.cls)
        if found is None or depth >= _INLINE_DEPTH:
            return
        module, flow = found
        argument = use.argument + (1 if use.callee.startswith("self.") else 0)
        if argument >= len(flow.params):
            return
        param = flow.params[argument]
        inner = _with_via(site, site.via or f"{flow.name}()")
        for row_use in flow.row_uses:
            if (
                row_use.query.origin is Origin.PARAMETER
                and row_use.query.ref == param
                and row_use.loop_line
            ):
                self._use(
                    query,
                    prefix,
                    row_use.use,
                    inner,
                    Scope(module, class_of(module, flow.name)),
                    depth + 1,
                )

    def _inline(
        self,
        query: Resolved,
        prefix: str,
        module: str,
        flow: FunctionFlow,
        param: str,
        site: Site,
        depth: int,
    ) -> None:
        scope = Scope(module, class_of(module, flow.name))
        for param_use in flow.param_uses:
            if param_use.param == param:
                self._use(query, prefix, param_use.use, site, scope, depth)
        for row_use in flow.row_uses:
            parent = row_use.query.parent
            if (
                row_use.query.origin is Origin.RELATED
                and parent is not None
                and parent.origin is Origin.PARAMETER
                and parent.ref == param
            ):
                nested = Use(
                    row_use.use.line,
                    row_use.use.column,
                    row_use.use.kind,
                    _join(row_use.query.ref, row_use.use.path),
                    row_use.use.call,
                    row_use.use.compare,
                    row_use.use.callee,
                    row_use.use.argument,
                )
                self._use(query, prefix, nested, site, scope, depth)
        for call in flow.calls:
            if call.write or call.loop_line:
                continue
            if (
                call.bypass
                and call.query is not None
                and call.query.parent is not None
                and call.query.parent.origin is Origin.PARAMETER
            ):
                if call.query.parent.ref != param:
                    continue
                path = _join(prefix, call.bypass)
                model = self._model_at(query.model, prefix)
                relation = self._relation_at(model, call.bypass) if model is not None else None
                if relation is None or not relation.many:
                    continue  # ``obj.data.get(key)``: a JSON field, not a related manager
                self._add(
                    "query",
                    site,
                    query,
                    path,
                    relation,
                    call,
                    prefetched=relation is not None and self._loaded(query, path, relation),
                )
            elif (
                call.query is not None
                and call.query.origin is Origin.MODEL
                and self.registry.model(call.query.ref) is not None
            ):
                self._add("query", site, query, prefix, None, call)

    # -- serializers and schemas ---------------------------------------------------

    def _serializer_class(self, name: str, scope: Scope) -> str:
        if name == "self.get_serializer":
            return self.registry.view_serializer(scope.cls)
        return self.registry.serializer(name)

    def _serializer(self, cls: str, query: Resolved, prefix: str, site: Site, depth: int) -> None:
        registry = self.registry
        model = self._model_at(query.model, prefix)
        if model is None or depth > _INLINE_DEPTH:
            return
        if registry.method(cls, "to_representation") is not None:
            site = replace(site, custom=True)
        declared: dict[str, tuple[str, ClassAttribute]] = {}
        for owner in reversed(registry.lineage(cls)):
            _, facts = registry.classes[owner]
            for attribute in facts.attributes:
                declared[attribute.name] = (owner, attribute)
        fields: tuple[str, ...] = ()
        depth_meta = 0
        for owner in registry.lineage(cls):
            facts = registry.classes[owner][1]
            value = facts.meta_value("fields")
            if value is not None and not fields:
                fields = value.strings
            meta_depth = facts.meta_value("depth")
            if meta_depth is not None and meta_depth.text.isdigit() and not depth_meta:
                depth_meta = int(meta_depth.text)
        for name, (owner, attribute) in sorted(declared.items()):
            value = attribute.value
            if value.kind is not ValueKind.CALL:
                continue
            source_value = value.keyword("source")
            source = (
                source_value.text.replace(".", "__")
                if source_value is not None
                and source_value.kind is ValueKind.STRING
                and source_value.text != "*"
                else name
            )
            many = (value.keyword("many") or _FALSE).text == "True"
            callee = self._field_class(value.text)
            nested = self._serializer_class(value.text, Scope(registry.classes[owner][0]))
            if nested:
                self._read(query, prefix, source, "all" if many else "", site, depth)
                relation = self._relation_at(model, source)
                if relation is not None:
                    self._serializer(nested, query, _join(prefix, source), site, depth + 1)
            elif callee == "SerializerMethodField":
                method_name = value.keyword("method_name")
                method = method_name.text if method_name is not None else f"get_{name}"
                found = registry.method(cls, method)
                if found is not None and len(found[1].params) > 1:
                    self._inline(
                        query,
                        prefix,
                        found[0],
                        found[1],
                        found[1].params[1],
                        _with_via(site, f"{cls.rsplit('.', 1)[-1]}.{method}()"),
                        depth + 1,
                    )
            elif callee in _RELATED_FIELDS:
                if many:
                    self._read(query, prefix, source, "all", site, depth)
                elif callee != "PrimaryKeyRelatedField":
                    self._read(query, prefix, source + "__str", "", site, depth)
            elif source != name:
                self._read(query, prefix, source, "", site, depth)
        for name in fields:
            if name in declared:
                continue
            relation = model.relations.get(name)
            if relation is None:
                continue
            if depth_meta:
                self._read(query, prefix, name, "all" if relation.many else "", site, depth)
            elif relation.many:
                self._read(query, prefix, name, "all", site, depth)

    def _field_class(self, name: str) -> str:
        """The DRF field a serializer field's class is: its own name, or for a project
        subclass (``class TagsField(PrimaryKeyRelatedField)``) the DRF related field
        it extends."""
        registry = self.registry
        canonical = registry.canonical(name)
        if canonical in registry.classes:
            for base in sorted(registry.external_bases(canonical)):
                if base.rsplit(".", 1)[-1] in _RELATED_FIELDS:
                    return base.rsplit(".", 1)[-1]
        return name.rsplit(".", 1)[-1]

    def _relation_at(self, model: Model, path: str) -> Relation | None:
        relation = None
        for hop in path.split("__"):
            relation = model.relations.get(hop)
            target = self.registry.models.get(relation.target) if relation is not None else None
            if relation is None or target is None:
                return None
            model = target
        return relation

    def _read(
        self, query: Resolved, prefix: str, path: str, call: str, site: Site, depth: int
    ) -> None:
        use = Use(site.line, site.column, UseKind.READ, path, call)
        self._use(query, prefix, use, site, Scope(site.module), depth)

    def _schema(self, cls: str, query: Resolved, prefix: str, site: Site, depth: int) -> None:
        registry = self.registry
        cls = registry.canonical(cls)
        model = self._model_at(query.model, prefix)
        if model is None or cls not in registry.classes or depth > _INLINE_DEPTH:
            return
        for owner in registry.lineage(cls):
            for attribute in registry.classes[owner][1].attributes:
                relation = model.relations.get(attribute.name)
                if relation is None and attribute.name in model.facts.methods:
                    # A field filled from a model ``@property`` reads what the property reads.
                    self._method(query, prefix, model, attribute.name, site, depth)
                    continue
                if relation is None:
                    continue
                self._read(
                    query, prefix, attribute.name, "all" if relation.many else "", site, depth
                )
                nested = registry.canonical(attribute.annotation)
                if nested in registry.classes and self._loaded(
                    query, _join(prefix, attribute.name), relation
                ):
                    self._schema(nested, query, _join(prefix, attribute.name), site, depth + 1)

    # -- class-level consumers -----------------------------------------------------

    def _list_view(self, cls: str) -> None:
        bases = {b.rsplit(".", 1)[-1] for b in self.registry.external_bases(cls)}
        if not bases & DRF_LIST_VIEWS:
            return
        module, facts = self.registry.classes[cls]
        attribute = self.registry.attribute(cls, "serializer_class")
        if attribute is None:
            return
        serializer = self.registry.serializer(attribute[1].text)
        scope = Scope(module, cls)
        resolved = self.resolver.resolve(
            Query(Origin.CLASS, "get_queryset", facts.line, 1, ""), scope
        )
        if not serializer or resolved is None:
            return
        site = Site(
            attribute[0],
            attribute[2],
            5,
            facts.name,
            attribute[2],
            attribute[0],
            via=serializer.rsplit(".", 1)[-1],
        )
        self._serializer(serializer, resolved, "", site, 0)

    def _admin(self, cls: str) -> None:
        registry = self.registry
        if not any(b.endswith("ModelAdmin") for b in registry.external_bases(cls)):
            return
        model = self.resolver.admin_model(cls)
        attribute = registry.attribute(cls, "list_display")
        if model is None or attribute is None:
            return
        module, value, line = attribute
        scope = Scope(module, cls)
        resolved = self.resolver.resolve(Query(Origin.CLASS, "get_queryset", line, 1, ""), scope)
        if resolved is None:
            return
        facts = registry.classes[cls][1]
        for name in value.strings:
            site = Site(module, line, 5, facts.name, line, module, via=f"list_display {name!r}")
            method = registry.method(cls, name)
            if method is not None and len(method[1].params) > 1:
                self._inline(resolved, "", method[0], method[1], method[1].params[1], site, 1)
            elif name in model.facts.methods:
                self._method(resolved, "", model, name, site, 0)


_FALSE = Value(ValueKind.CONSTANT, "False")
#: Route decorators' method names: ``@router.get(...)``, ``@app.route(...)``.
_ROUTE_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "api_route", "route", "head", "options"}
)


def _is_route(flow: FunctionFlow) -> bool:
    """A route handler, whose return value the framework serializes: a function merely
    annotated ``-> list[Book]`` hands its rows to a caller, not to a response schema."""
    return any(
        d.kind is ValueKind.CALL and d.text.rsplit(".", 1)[-1] in _ROUTE_VERBS
        for d in flow.decorators
    )


def _join(prefix: str, path: str) -> str:
    return f"{prefix}__{path}" if prefix and path else prefix or path


def _with_via(site: Site, via: str) -> Site:
    return replace(site, via=via)
