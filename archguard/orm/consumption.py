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
    TemplateFacts,
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
from archguard.orm.templates import MANAGER_CALLS, TEMPLATE_DIRS
from archguard.scan.context import PathKind, path_kind

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
    #: Consumed in a template: its path, and the line of the read there (``loop_line``
    #: is then the template's ``{% for %}`` line, and ``line`` the query's, in the view).
    template: str = ""
    template_line: int = 0
    #: Through a function cached per argument: it runs once per distinct key.
    memoised: bool = False


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
    #: Paths below ``path`` that a nested serializer reads too, to load with it.
    below: tuple[str, ...] = ()


class Consumption:
    def __init__(
        self, registry: Registry, templates: dict[str, TemplateFacts] | None = None
    ) -> None:
        self.registry = registry
        self.resolver = Resolver(registry)
        self.problems: list[Problem] = []
        #: A template's name as views give it (``books/list.html``) -> its files.
        self.templates: dict[str, list[tuple[str, TemplateFacts]]] = {}
        for path, facts in sorted((templates or {}).items()):
            parts = path.split("/")
            for index, part in enumerate(parts[:-1]):
                if part in TEMPLATE_DIRS:
                    name = "/".join(parts[index + 1 :])
                    self.templates.setdefault(name, []).append((path, facts))

    # -- entry points --------------------------------------------------------------

    def run(self) -> list[Problem]:
        registry = self.registry
        self.handed = self._handed()
        for _, (module, flow) in sorted(registry.functions.items()):
            self._flow(module, flow)
        for qualified in sorted(registry.classes):
            self._list_view(qualified)
            self._admin(qualified)
            self._template_view(qualified)
        return self.problems

    def _handed(self) -> set[tuple[str, str]]:
        """(function, parameter) pairs that some caller hands a row the resolver knows:
        what the function does with that parameter is judged at the caller, with the
        caller's loads."""
        registry = self.registry
        handed: set[tuple[str, str]] = set()
        passes: list[tuple[tuple[str, str], tuple[str, str]]] = []
        for _, (module, flow) in sorted(registry.functions.items()):
            facts = registry.modules.get(module)
            if facts is not None and path_kind(facts.path) in (PathKind.TEST, PathKind.SCRIPT):
                continue  # a test handing in a fixture row says nothing of production's
            scope = Scope(module, class_of(module, flow.name))
            for row_use in flow.row_uses:
                use = row_use.use
                if use.kind is not UseKind.PASS or row_use.query.origin is Origin.PARAMETER:
                    continue
                found = registry.callee(use.callee, scope.cls)
                if found is None:
                    continue
                argument = use.argument + (1 if use.callee.startswith("self.") else 0)
                params = found[1].params
                if argument < len(params) and self.resolver.resolve(row_use.query, scope):
                    handed.add((f"{found[0]}.{found[1].name}", params[argument]))
            for param_use in flow.param_uses:
                use = param_use.use
                found = registry.callee(use.callee, scope.cls) if use.kind is UseKind.PASS else None
                if found is None:
                    continue
                argument = use.argument + (1 if use.callee.startswith("self.") else 0)
                if argument < len(found[1].params):
                    passes.append(
                        (
                            (f"{module}.{flow.name}", param_use.param),
                            (f"{found[0]}.{found[1].name}", found[1].params[argument]),
                        )
                    )
        # A parameter handed on (``build_node(doc)`` -> ``build_text(doc)``) is handed too.
        changed = True
        while changed:
            changed = False
            for source, target in passes:
                if source in handed and target not in handed:
                    handed.add(target)
                    changed = True
        return handed

    def _flow(self, module: str, flow: FunctionFlow) -> None:
        scope = Scope(module, class_of(module, flow.name))
        for row_use in flow.row_uses:
            if row_use.loop_line == 0 and row_use.query.rows is not Rows.ONE:
                continue
            if row_use.query.origin is Origin.PARAMETER:
                continue
            resolved = self.resolver.resolve(row_use.query, scope)
            prefix = ""
            if resolved is None:
                resolved = self._through_parameter(row_use.query, module, flow)
                if resolved is None:
                    continue
            elif row_use.query.origin is Origin.RELATED:
                resolved, prefix = self._outer(row_use.query, scope, resolved)
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
        for render in flow.renders:
            context = {}
            for name, query in render.context:
                resolved = self.resolver.resolve(query, scope)
                if resolved is not None:
                    context[name] = (query, resolved)
            self._template(render.template, context, module, flow.name, flow.is_async)
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

    def _through_parameter(self, query: Query, module: str, flow: FunctionFlow) -> Resolved | None:
        """``def receipt(order): for line in order.lines.all(): ...``: the rows of a
        related manager of an object handed in as a parameter that no caller in the
        project is seen to hand a known row. The object's model comes from the
        parameter's annotation, or else from the relation's name when one model (or
        the one named like the parameter) has it. Nothing is known of what the caller
        loaded, so the relation's rows load nothing."""
        parent = query.parent
        if (
            query.origin is not Origin.RELATED
            or not query.ref
            or parent is None
            or parent.origin is not Origin.PARAMETER
            or parent.rows is not Rows.ONE
            or (f"{module}.{flow.name}", parent.ref) in self.handed
        ):
            return None
        typed = dict(flow.param_types).get(parent.ref, "")
        model = self.registry.model(typed) if typed else self._owner_of(query.ref, parent.ref)
        if model is None:
            return None
        base = Resolved(
            model, frozenset(), False, False, parent, module, Rows.ONE, True, False, True
        )
        related = self.resolver.related_rows(base, query.ref, query)
        return replace(related, origin_module=module) if related is not None else None

    def _owner_of(self, path: str, param: str) -> Model | None:
        """The model a relation path starts from, when the name alone tells: the model
        named like the parameter, or the only model with that relation."""
        first = path.split("__")[0]
        owners = [m for _, m in sorted(self.registry.models.items()) if first in m.relations]
        named = [m for m in owners if m.name.lower() == param.replace("_", "").lower()]
        if len(named) == 1:
            return named[0]
        return owners[0] if len(owners) == 1 else None

    def _outer(self, query: Query, scope: Scope, resolved: Resolved) -> tuple[Resolved, str]:
        """A row of ``parent.rel.all()`` inside a loop over the parent: reads are
        checked against the parent query's loads with the relation as prefix."""
        parent = query.parent
        if parent is None or parent.origin is Origin.PARAMETER or not query.ref or query.refetched:
            return resolved, ""
        outer = self.resolver.resolve(parent, scope)
        if outer is None:
            return resolved, ""
        # What the related query loads itself (``row.fields.select_related("document")``)
        # is loaded under the relation too.
        own = {f"{query.ref}__{path}" for path in query.loads}
        if query.load_all or query.dynamic_loads:
            return resolved, ""
        return replace(outer, loads=outer.loads | own), query.ref

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
        parent_path, _, last = path.rpartition("__")
        if parent_path:
            # ``author.books.all()[i].author``: the row of a collection points back at
            # the parent it was read through, which is already loaded.
            parent = self._relation_at(query.model, parent_path)
            if parent is not None and last in (
                parent.back,
                self.resolver.back_populates(parent),
            ):
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
        if memoised(flow):
            site = replace(site, memoised=True)
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
                and row_use.query.ref
                and row_use.loop_line
                and not site.loop_line
            ):
                # One object handed in, its related rows looped over in the callee: the
                # loop is there, over the rows of ``object.relation``.
                related = self.resolver.related_rows(
                    query, _join(prefix, row_use.query.ref), row_use.query
                )
                if related is not None:
                    inner = replace(
                        site,
                        module=module,
                        line=row_use.use.line,
                        column=row_use.use.column,
                        function=flow.name,
                        loop_line=row_use.loop_line,
                        loop_module=module,
                    )
                    self._use(
                        replace(related, origin_module=module), "", row_use.use, inner, scope, depth
                    )
            elif (
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
        if registry.has_method(cls, "to_representation"):
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
                before = len(self.problems)
                self._read(query, prefix, source, "all" if many else "", site, depth)
                relation = self._relation_at(model, source)
                path = _join(prefix, source)
                if relation is None:
                    continue
                if self._loaded(query, path, relation) or len(self.problems) == before:
                    self._serializer(nested, query, path, site, depth + 1)
                    continue
                # The nested relation itself is not loaded: what its serializer reads
                # below it is one fix with it (a Prefetch with its own loads), not a
                # finding per path.
                reported = len(self.problems)
                self._serializer(nested, query, path, site, depth + 1)
                below = tuple(sorted({p.path for p in self.problems[reported:]}))
                del self.problems[reported:]
                self.problems[-1] = replace(self.problems[-1], below=below)
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
        # Relations listed in ``fields`` get the field DRF builds for them: a primary key
        # (``<fk>_id``, no query) unless the serializer says otherwise, through
        # ``serializer_related_field`` or its own ``build_relational_field()``.
        built = registry.has_method(cls, "build_relational_field")
        related = registry.attribute(cls, "serializer_related_field")
        related_kind = (
            self._field_class(related[1].text)
            if related is not None and related[1].kind is ValueKind.REF
            else "PrimaryKeyRelatedField"
        )
        reads_object = built or related_kind not in _PK_FIELDS
        for name in fields:
            if name in declared:
                continue
            relation = model.relations.get(name)
            if relation is None:
                continue
            if depth_meta or reads_object:
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

    # -- templates -----------------------------------------------------------------

    def _template(
        self,
        name: str,
        context: dict[str, tuple[Query, Resolved]],
        module: str,
        function: str,
        is_async: bool = False,
    ) -> None:
        """What a rendered template's loops read from the rows its context holds,
        reported at the query in the view (where the load belongs), with the
        template's lines as related locations."""
        for path, facts in self.templates.get(name, []):
            for loop in facts.loops:
                parts = loop.source.split(".")
                found = context.get(parts[0])
                if found is None:
                    continue
                query, resolved = found
                if loop.unpacked != query.tuples:
                    continue  # tuples unpacked from rows of instances, or the reverse
                rest = parts[1:]
                if rest and rest[-1] in MANAGER_CALLS:
                    rest = rest[:-1]
                if rest == ["items"] or rest == ["object_list"]:
                    rest = []  # a page of the rows: ``pagination.items``, ``page.object_list``
                prefix = "__".join(rest)
                if prefix and resolved.rows is not Rows.ONE:
                    continue  # a relation of every row: not a loop over one set of rows
                if not prefix and resolved.rows is not Rows.MANY:
                    continue
                if prefix:
                    # ``{% for line in order.lines.all %}`` on one order: the lines' rows.
                    shown = Query(Origin.RELATED, prefix, query.line, query.column, loop.source)
                    related = self.resolver.related(resolved, prefix, shown)
                    if related is None:
                        continue
                    resolved = related
                for use in loop.uses:
                    site = Site(
                        module,
                        query.line,
                        query.column,
                        function,
                        loop.line,
                        module,
                        via=name,
                        is_async=is_async,
                        template=path,
                        template_line=use.line,
                    )
                    read = Use(use.line, 1, UseKind.READ, use.path, use.call)
                    self._use(resolved, "", read, site, Scope(module), 0)

    def _template_view(self, cls: str) -> None:
        """Django's generic ``ListView`` and ``DetailView``: the template (its
        ``template_name``, else ``<app>/<model>_list.html`` / ``_detail.html``) gets
        the view's queryset as ``object_list`` / ``<model>_list`` / ``page_obj`` (and
        ``context_object_name``), or its object as ``object`` / ``<model>``."""
        registry = self.registry
        bases = {b.rsplit(".", 1)[-1] for b in registry.external_bases(cls)}
        listing = bool(bases & {"ListView", "BaseListView"})
        if not listing and not bases & {"DetailView", "BaseDetailView"}:
            return
        module, facts = registry.classes[cls]
        scope = Scope(module, cls)
        resolved = self.resolver.resolve(
            Query(Origin.CLASS, "get_queryset", facts.line, 1, ""), scope
        )
        declared = registry.attribute(cls, "model")
        if resolved is None and declared is not None and declared[1].kind is ValueKind.REF:
            # ``model = Book``: Django's generic views then list ``Book._default_manager``.
            named = registry.model(declared[1].text)
            if named is not None:
                origin = Query(
                    Origin.MODEL,
                    named.qualname,
                    declared[2],
                    5,
                    f"{named.name}.objects.all()",
                    orm="django",
                )
                resolved = self.resolver.resolve(origin, Scope(declared[0], cls))
        if resolved is None:
            return
        model = resolved.model
        lower = model.name.lower()
        attribute = registry.attribute(cls, "template_name")
        if attribute is not None and attribute[1].kind is ValueKind.STRING:
            name = attribute[1].text
        else:
            parts = model.module.split(".")
            app = parts[parts.index("models") - 1] if "models" in parts[1:] else parts[0]
            name = f"{app}/{lower}_{'list' if listing else 'detail'}.html"
        query = resolved.origin
        if resolved.origin_module != module:
            query = replace(query, line=facts.line, column=1)
        names: tuple[str, ...] = ("object", lower)
        rows = replace(resolved, rows=Rows.ONE)
        if listing:
            rows = replace(resolved, rows=Rows.MANY)
            names = ("object_list", f"{lower}_list", "page_obj")
        given = registry.attribute(cls, "context_object_name")
        if given is not None and given[1].kind is ValueKind.STRING:
            names = (*names, given[1].text)
        context = dict.fromkeys(names, (query, rows))
        self._template(name, context, module, facts.name)

    # -- class-level consumers -----------------------------------------------------

    def _list_view(self, cls: str) -> None:
        registry = self.registry
        bases = {b.rsplit(".", 1)[-1] for b in registry.external_bases(cls)}
        if not bases & DRF_LIST_VIEWS:
            return
        module, facts = registry.classes[cls]
        serializer = self._list_serializer(cls)
        if not serializer:
            return
        attribute = registry.attribute(cls, "serializer_class")
        method = registry.method(cls, "get_serializer_class")
        if method is not None and method[1].returned_names:
            where = (method[0], method[1].line)
        elif attribute is not None:
            where = (attribute[0], attribute[2])
        else:
            return
        scope = Scope(module, cls)
        resolved = self.resolver.resolve(
            Query(Origin.CLASS, "get_queryset", facts.line, 1, ""), scope
        )
        if resolved is None:
            return
        site = Site(
            where[0], where[1], 5, facts.name, where[1], where[0], via=serializer.rsplit(".", 1)[-1]
        )
        self._serializer(serializer, resolved, "", site, 0)

    def _list_serializer(self, cls: str) -> str:
        """The serializer a list view renders its rows with. Of several that
        ``get_serializer_class()`` may return, the one named for lists, else the
        declared ``serializer_class``; otherwise which one lists is not known."""
        found = self.registry.view_serializers(cls)
        if len(found) <= 1:
            return found[0] if found else ""
        listing = [s for s in found if "list" in s.rsplit(".", 1)[-1].lower()]
        if len(listing) == 1:
            return listing[0]
        attribute = self.registry.attribute(cls, "serializer_class")
        declared = self.registry.serializer(attribute[1].text) if attribute is not None else ""
        return declared if declared in found else ""

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
#: Related fields that render a foreign key from ``<fk>_id``, with no query.
_PK_FIELDS = frozenset({"PrimaryKeyRelatedField", "HyperlinkedRelatedField"})
#: Route decorators' method names: ``@router.get(...)``, ``@app.route(...)``.
_ROUTE_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "api_route", "route", "head", "options"}
)


#: Decorators that cache a function's result per argument (functools, cachetools,
#: Flask-Caching's ``memoize`` / ``cached``, Django's ``cached_as``-style helpers).
_CACHES = frozenset({"lru_cache", "cache", "cached", "memoize", "memoized", "ttl_cache"})


def memoised(flow: FunctionFlow) -> bool:
    """Whether calls of ``flow`` are cached per argument, so that its queries run once
    per distinct key rather than once per call."""
    return any(
        d.kind in (ValueKind.REF, ValueKind.CALL) and d.text.rsplit(".", 1)[-1] in _CACHES
        for d in flow.decorators
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
