"""Resolving a query expression to its model and loaded relations, through local
bindings, function returns, class attributes (``queryset``, ``get_queryset``) and the
rows of enclosing queries."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from archguard.core.orm import Origin, Query, Rows, ValueKind, lookup_prefixes
from archguard.orm.models import Model, Registry, Relation

_DEPTH = 4
#: Django's generic class-based views and mixins that list or show ``self.model``.
_GENERIC_VIEWS = frozenset(
    {
        "ListView",
        "BaseListView",
        "MultipleObjectMixin",
        "DetailView",
        "BaseDetailView",
        "SingleObjectMixin",
        "UpdateView",
        "DeleteView",
        "ArchiveIndexView",
        "YearArchiveView",
        "MonthArchiveView",
        "DayArchiveView",
    }
)
#: Manager, queryset and model methods of well-known libraries that return a queryset
#: of the same model: django-treebeard, django-mptt, django-polymorphic,
#: django-model-utils, wagtail.
LIBRARY_QUERIES = frozenset(
    {
        "get_root_nodes",
        "get_tree",
        "get_children",
        "get_descendants",
        "get_ancestors",
        "get_siblings",
        "get_family",
        "get_leafnodes",
        "root_nodes",
        "get_queryset_descendants",
        "get_queryset_ancestors",
        "instance_of",
        "not_instance_of",
        "non_polymorphic",
        "select_subclasses",
        "live",
        "public",
        "specific",
        "child_of",
        "descendant_of",
        "ancestor_of",
        "sibling_of",
        "in_menu",
        "not_live",
        "type",
        "exact_type",
    }
)


@dataclass(frozen=True)
class Resolved:
    model: Model
    #: Paths loaded, relative to ``model``.
    loads: frozenset[str]
    load_all: bool
    dynamic: bool
    #: Where the query was built (the place for the fix) and in which module.
    origin: Query
    origin_module: str
    rows: Rows
    bounded: bool
    filtered: bool
    #: Known only through a function return, a class attribute or a parameter.
    indirect: bool = False


@dataclass(frozen=True)
class Scope:
    """Where a query expression sits: its module, class (for ``self``), and what the
    function's parameters are bound to when it is inlined for a row."""

    module: str
    cls: str = ""
    params: dict[str, Resolved] = field(default_factory=dict)
    #: The class the code is written in, when ``cls`` inherits it: ``super()`` starts
    #: above it, while ``self`` is still a ``cls``.
    owner: str = ""


def class_of(module: str, function: str) -> str:
    return f"{module}.{function.split('.')[0]}" if "." in function else ""


class Resolver:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def resolve(self, query: Query, scope: Scope, depth: int = 0) -> Resolved | None:
        if depth > _DEPTH:
            return None
        found = self._origin(query, scope, depth)
        if found is None:
            return None
        for method in query.methods:
            found = self._through_method(found, query.manager, method, depth)
            if found is None:
                return None
        return self._with(found, query)

    def _through_method(
        self, base: Resolved, manager: str, method: str, depth: int
    ) -> Resolved | None:
        """The rows of ``base`` after a method the ORM does not define: one of the
        project's manager, queryset or model methods that returns a query of them (its
        loads added), or a tree or inheritance library's method known to. Anything else
        (a method returning a dict, a count, an object of another model) is unknown."""
        registry = self.registry
        model = base.model
        owners = (
            [model.manager_classes[manager]]
            if manager in model.manager_classes
            else sorted(set(model.manager_classes.values()))
        )
        for owner in [*owners, model.qualname]:
            found = registry.method(owner, method)
            if found is None:
                continue
            returned = found[1].returns
            if returned is None or returned.rows not in (Rows.MANY, Rows.ONE):
                return None
            if (
                returned.origin is Origin.FUNCTION
                and returned.ref.startswith("self.")
                and depth <= _DEPTH
            ):
                # ``return self.approved().filter(...)``: another method of the same
                # queryset, then this one's own chain.
                inner = self._through_method(base, manager, returned.ref[len("self.") :], depth + 1)
                if inner is None:
                    return None
                base = inner
            elif returned.origin in (Origin.MODEL, Origin.FUNCTION):
                resolved = self.resolve(returned, Scope(found[0], owner), depth + 1)
                if resolved is None or resolved.model is not model:
                    return None
            return replace(
                base,
                loads=base.loads | frozenset(returned.loads),
                load_all=base.load_all or returned.load_all,
                dynamic=base.dynamic or returned.dynamic_loads,
                rows=returned.rows,
                bounded=base.bounded or returned.bounded,
                indirect=True,
            )
        if method in LIBRARY_QUERIES:
            return replace(base, indirect=True)
        return None

    def _with(self, base: Resolved, query: Query) -> Resolved:
        """``base`` plus what ``query``'s own chain adds."""
        rows = (
            query.rows
            if query.origin is not Origin.FUNCTION or query.rows is not Rows.MANY
            else base.rows
        )
        if query.origin in (Origin.CLASS, Origin.FUNCTION) and query.rows is Rows.MANY:
            rows = base.rows
        return replace(
            base,
            loads=base.loads | frozenset(query.loads),
            load_all=base.load_all or query.load_all,
            dynamic=base.dynamic or query.dynamic_loads,
            rows=rows,
            bounded=base.bounded or query.bounded,
            filtered=base.filtered or query.filtered,
        )

    def _origin(self, query: Query, scope: Scope, depth: int) -> Resolved | None:
        registry = self.registry
        if query.origin is Origin.MODEL:
            model = registry.model(query.ref)
            if model is None:
                return None
            manager = model.manager_loads.get(query.manager or "objects", ())
            return Resolved(
                model,
                frozenset(p for p in manager if p != "*"),
                "*" in manager,
                False,
                query,
                scope.module,
                Rows.MANY,
                False,
                False,
            )
        if query.origin is Origin.FUNCTION:
            found = registry.callee(query.ref, scope.cls)
            if found is None or found[1].returns is None:
                return None
            module, flow = found
            # The helper's parameters bound to the queries the caller hands it:
            # ``qs = apply_filters(qs)`` is ``qs`` with what the helper adds.
            offset = 1 if query.ref.startswith("self.") else 0
            params: dict[str, Resolved] = {}
            for index, arg in enumerate(query.args):
                if arg is not None and index + offset < len(flow.params):
                    resolved = self.resolve(arg, scope, depth + 1)
                    if resolved is not None:
                        params[flow.params[index + offset]] = resolved
            cls = scope.cls if query.ref.startswith("self.") else class_of(module, flow.name)
            inner = self.resolve(found[1].returns, Scope(module, cls, params), depth + 1)
            return replace(inner, indirect=True) if inner is not None else None
        if query.origin is Origin.CLASS:
            return self._class_query(query.ref, scope, depth)
        if query.origin is Origin.PARAMETER:
            return scope.params.get(query.ref)
        if query.origin is Origin.RELATED and query.parent is not None:
            parent = self.resolve(query.parent, scope, depth + 1)
            if parent is None:
                return None
            if not query.ref:
                # ``row.get_children()``: rows of the row's own model, loading nothing.
                return replace(
                    parent,
                    loads=frozenset(),
                    load_all=False,
                    origin=query,
                    rows=Rows.MANY,
                    bounded=False,
                    filtered=False,
                    indirect=True,
                )
            return self.related(parent, query.ref, query)
        return None

    def related_rows(self, parent: Resolved, path: str, query: Query) -> Resolved | None:
        """``related()`` plus what the related query's own chain loads
        (``order.lines.select_related("product")``)."""
        found = self.related(parent, path, query)
        return self._with(found, query) if found is not None else None

    def related(self, parent: Resolved, path: str, query: Query) -> Resolved | None:
        """The rows of ``parent``'s relation ``path``, with the loads under it."""
        model = parent.model
        relation = None
        for hop in path.split("__"):
            relation = model.relations.get(hop)
            if relation is None:
                return None
            target = self.registry.models.get(relation.target)
            if target is None:
                return None
            model = target
        prefix = path + "__"
        loads = frozenset(
            p[len(prefix) :] for p in parent.loads if p.startswith(prefix) and not query.refetched
        )
        back = relation.back if relation is not None else ""
        if not back and relation is not None and relation.orm == "sqlalchemy":
            back = self.back_populates(relation)
        if back:
            loads |= {back}  # ``book.author`` of ``author.books``: the parent, already there
        return Resolved(
            model,
            loads,
            False,
            parent.dynamic,
            query,
            parent.origin_module,
            Rows.MANY,
            False,
            False,
            True,
        )

    def back_populates(self, relation: Relation) -> str:
        """The many-to-one relation of a SQLAlchemy collection's rows that
        ``back_populates`` pairs with it."""
        owner = self.registry.models.get(relation.owner)
        target = self.registry.models.get(relation.target)
        if owner is None or target is None or not relation.many:
            return ""
        attribute = owner.facts.attribute(relation.name)
        partner = attribute.value.keyword("back_populates") if attribute is not None else None
        found = target.relations.get(partner.text) if partner is not None else None
        return found.name if found is not None and not found.many else ""

    def _class_query(self, ref: str, scope: Scope, depth: int) -> Resolved | None:
        if not scope.cls:
            return None
        registry = self.registry
        whole = registry.lineage(scope.cls)
        lineage = whole
        if ref.startswith("super."):
            # Above the class the method is written in; ``self`` is still a ``scope.cls``,
            # so an admin's ``super().get_queryset()`` is still its changelist.
            owner = scope.owner or scope.cls
            lineage = whole[whole.index(owner) + 1 :] if owner in whole else whole[1:]
            ref = ref[len("super.") :]
        if ref == "get_queryset":
            for owner in lineage:
                flow = registry.functions.get(f"{owner}.get_queryset")
                if flow is not None and flow[1].returns is not None:
                    found = self.resolve(
                        flow[1].returns, Scope(flow[0], scope.cls, owner=owner), depth + 1
                    )
                    return replace(found, indirect=True) if found is not None else None
            ref = "queryset"
        if ref == "queryset":
            for owner in lineage:
                attribute = registry.classes[owner][1].attribute("queryset")
                if (
                    attribute is not None
                    and attribute.value.kind is ValueKind.QUERY
                    and attribute.value.query is not None
                ):
                    found = self.resolve(
                        attribute.value.query,
                        Scope(registry.classes[owner][0], scope.cls, owner=owner),
                        depth + 1,
                    )
                    return replace(found, indirect=True) if found is not None else None
            return self._admin_query(whole)
        return None

    def _admin_query(self, lineage: list[str]) -> Resolved | None:
        """A ModelAdmin's ``super().get_queryset()``: its model's rows, with
        ``list_select_related``."""
        if not lineage:
            return None
        admin = lineage[0]
        model = self.admin_model(admin)
        if model is None:
            return self._view_model_query(lineage)
        module = self.registry.classes[admin][0]
        origin = Query(
            Origin.MODEL,
            model.qualname,
            self.registry.classes[admin][1].line,
            1,
            f"{model.name}.objects.all()",
            orm="django",
        )
        found = Resolved(
            model, frozenset(), False, False, origin, module, Rows.MANY, False, False, True
        )
        return self.with_list_select_related(admin, found)

    def _view_model_query(self, lineage: list[str]) -> Resolved | None:
        """A Django generic view's ``super().get_queryset()`` with ``model = Book``:
        ``Book._default_manager.all()``. (DRF views need ``queryset``; they never read
        ``model``.)"""
        registry = self.registry
        bases = {b.rsplit(".", 1)[-1] for b in registry.external_bases(lineage[0])}
        if not bases & _GENERIC_VIEWS:
            return None
        declared = registry.attribute(lineage[0], "model")
        if declared is None or declared[1].kind is not ValueKind.REF:
            return None
        model = registry.model(declared[1].text)
        if model is None:
            return None
        origin = Query(
            Origin.MODEL,
            model.qualname,
            declared[2],
            5,
            f"{model.name}.objects.all()",
            orm="django",
            manager="objects",
        )
        return self.resolve(origin, Scope(declared[0], lineage[0]))

    def admin_model(self, admin: str) -> Model | None:
        registry = self.registry
        _, facts = registry.classes[admin]
        for decorator in facts.decorators:
            if (
                decorator.kind is ValueKind.CALL
                and decorator.text.endswith("register")
                and decorator.items
            ):
                return registry.model(decorator.items[0].text)
        for facts_module in registry.modules.values():
            if facts_module.orm is None:
                continue
            for model, registered in facts_module.orm.admin_registrations:
                if registry.canonical(registered) == admin:
                    return registry.model(model)
        return None

    def with_list_select_related(self, admin: str, found: Resolved) -> Resolved:
        attribute = self.registry.attribute(admin, "list_select_related")
        if attribute is None:
            return found
        _, value, _ = attribute
        if value.kind is ValueKind.CONSTANT and value.text == "True":
            return replace(found, load_all=True)
        paths = {p for s in value.strings for p in lookup_prefixes(s)}
        return replace(found, loads=found.loads | paths)
