"""Choosing rules by id or id prefix, ruff style (``AG1`` is the whole AG1xx family)."""

from __future__ import annotations

from archguard.app.errors import UsageError
from archguard.rules.registry import AnyRule, all_rules


def _matches(selector: str, rule_id: str) -> bool:
    return selector == "ALL" or rule_id.startswith(selector)


def check_selectors(
    selectors: tuple[str, ...], where: str, extra: tuple[AnyRule, ...] = ()
) -> None:
    ids = [rule.meta.id for rule in (*all_rules(), *extra)]
    unknown = [s for s in selectors if not any(_matches(s, i) for i in ids)]
    if unknown:
        raise UsageError(f"{where}: no rule matches {', '.join(sorted(unknown))}")


def select_rules(
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    extra: tuple[AnyRule, ...] = (),
) -> list[AnyRule]:
    """The rules ``select`` names (the default set when it is empty), plus those
    ``extend_select`` names, less those ``ignore`` names. Rules outside the default set
    run only when a selector names them, by id, prefix or ALL. ``extra`` are the rules of
    the project's Semgrep packs, chosen the same way (``semgrep/`` selects them all)."""
    check_selectors(select, "select", extra)
    check_selectors(extend_select, "extend-select", extra)
    check_selectors(ignore, "ignore", extra)
    chosen = []
    for rule in (*all_rules(), *extra):
        rid = rule.meta.id
        base = any(_matches(s, rid) for s in select) if select else rule.meta.default
        wanted = base or any(_matches(s, rid) for s in extend_select)
        if wanted and not any(_matches(s, rid) for s in ignore):
            chosen.append(rule)
    return chosen


def selector_covers(selectors: tuple[str, ...], rule_id: str) -> bool:
    return any(_matches(s, rule_id) for s in selectors)
