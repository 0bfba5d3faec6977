"""Database facts survive the JSON cache (queries nest: a related manager's query
holds its parent's), and the extractor reads loads, rows and loops as intended."""

from __future__ import annotations

import ast

from archguard.core.facts import ImportFact, ImportKind
from archguard.core.orm import Origin, OrmFacts, Rows, UseKind
from archguard.scan.codec import _decode, encode
from archguard.scan.orm_facts import extract

SOURCE = '''
from django.db.models import Prefetch
from shop.models import Book, Tag

def listing(request):
    books = Book.objects.select_related("author").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.select_related("group")))[:20]
    return [[t.group.name for t in b.tags.all()] + [b.author.name] for b in books]
'''
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
