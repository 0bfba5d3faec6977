"""Database facts survive the JSON cache (queries nest: a related manager's query
holds its parent's), and the extractor reads loads, rows and loops as intended."""

from __future__ import annotations

import ast

from archguard.core.facts import ImportFact, ImportKind
from archguard.core.orm import Origin, OrmFacts, Rows, UseKind
from archguard.orm.facts import extract
from archguard.scan.codec import _decode, encode

SOURCE = """
from django.db.models import Prefetch
from shop.models import Book, Tag

def listing(request):
    books = Book.objects.select_related("author").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.select_related("group")))[:20]
    return [[t.group.name for t in b.tags.all()] + [b.author.name] for b in books]
"""
IMPORTS = (
    ImportFact("shop.models", "Book", 3, 1, ImportKind.MODULE, "Book"),
    ImportFact("shop.models", "Tag", 3, 1, ImportKind.MODULE, "Tag"),
    ImportFact("django.db.models", "Prefetch", 2, 1, ImportKind.MODULE, "Prefetch"),
)


def _facts() -> OrmFacts:
    facts = extract(ast.parse(SOURCE), "shop.views", IMPORTS)
    assert facts is not None
    return facts


def test_loads_rows_and_uses() -> None:
    flow = _facts().functions[0]
    query = flow.returned_rows[0]
    assert query.ref == "shop.models.Book" and query.bounded and query.rows is Rows.MANY
    assert query.loads == ("author", "tags", "tags__group")
    uses = {(u.query.origin, u.use.path, u.use.call) for u in flow.row_uses}
    assert (Origin.MODEL, "author__name", "") in uses
    assert (Origin.MODEL, "tags", "all") in uses
    assert (Origin.RELATED, "group__name", "") in uses
    assert all(u.use.kind is UseKind.READ for u in flow.row_uses)


def test_round_trip_through_the_cache_codec() -> None:
    facts = _facts()
    assert _decode(encode(facts), OrmFacts) == facts


HELPERS = """
from django.db.models import prefetch_related_objects
from shop.models import Book, Customer
from shop.render import render_books

def listing(request, orders):
    books = list(Book.objects.select_related("author")[:20])
    prefetch_related_objects(books, "tags")
    names = list(map(lambda b: b.author.name, books))
    owners = {}
    for order in orders:
        if order.customer_id not in owners:
            owners[order.customer_id] = Customer.objects.get(pk=order.customer_id)
    return render_books(books), names, owners
"""
HELPER_IMPORTS = (
    *IMPORTS,
    ImportFact("shop.models", "Customer", 3, 1, ImportKind.MODULE, "Customer"),
    ImportFact("shop.render", "render_books", 4, 1, ImportKind.MODULE, "render_books"),
    ImportFact(
        "django.db.models",
        "prefetch_related_objects",
        2,
        1,
        ImportKind.MODULE,
        "prefetch_related_objects",
    ),
)


def test_map_prefetch_objects_memoised_query_and_rows_handed_on() -> None:
    facts = extract(ast.parse(HELPERS), "shop.views", HELPER_IMPORTS)
    assert facts is not None
    flow = facts.functions[0]
    lambda_use = next(u for u in flow.row_uses if u.use.path == "author__name")
    assert lambda_use.loop_line == 9
    # prefetch_related_objects added its lookup to the rows the variable holds.
    assert set(lambda_use.query.loads) == {"author", "tags"}
    lookup = next(c for c in flow.calls if c.op == "get")
    assert lookup.loop_line == 11 and lookup.memoised
    handed = next(u for u in flow.row_uses if u.use.kind is UseKind.ROWS)
    assert handed.use.callee == "shop.render.render_books" and handed.use.argument == 0


def test_a_helper_loops_over_the_rows_it_is_given() -> None:
    source = "def render_books(books):\n    return [b.author.name for b in books]\n"
    facts = extract(ast.parse(source), "shop.render", ())
    assert facts is not None
    (use,) = facts.functions[0].row_uses
    assert use.query.origin is Origin.PARAMETER and use.query.ref == "books"
    assert use.use.path == "author__name" and use.loop_line == 2
