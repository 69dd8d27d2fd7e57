"""Closing a month (per cell, or every cell of a subtree in one operation) and reopening it.

A cell's month holds the members whose official placement covers the month's last day in that
cell (for a member who left during the month, their last day as a member: the cell they belonged
to that month, not the one they are in now), and never a member who
already has a line in another open close of the month (a transfer dated back after a close).

Set-based: one ``INSERT … SELECT`` makes the closes of every open cell in the subtree, one makes
every member's frozen line (the amount due computed in SQL from the basis and relief in force and
the rule ``dues.rates`` of the month, the same arithmetic as :func:`chibo.dues.ledger.month_view`),
one ``UPDATE`` sums each close, one upsert adds the unpaid lines to the members' arrears, and the
per-unit arrears tallies get one delta per unit of the subtree's chain. No loop over members.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.rulebook import rule
from chibo.dues import arrears, rules
from chibo.dues.enums import Category, MonthState
from chibo.dues.ledger import LEFT, RateBook
from chibo.dues.models import MonthClose
from chibo.dues.services import require
from chibo.members import party_age
from chibo.members.enums import PlacementKind, Status
from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

CELL_KINDS = tuple(sorted(UnitKind.member_holding()))


def _full_sql(rates: dict) -> tuple[str, list[Any]]:
    """The SQL expression of a member's full monthly amount (``b`` the basis, NULL: other)."""
    step = int(rates["round_to_vnd"])
    fixed = rates["fixed_vnd"]
    sql = ("CASE WHEN b.category = %s THEN (b.income * %s / 1000 + %s) / %s * %s "
           "WHEN b.category = %s THEN (b.income * %s / 1000 + %s) / %s * %s "
           "WHEN b.category = %s THEN %s WHEN b.category = %s THEN %s ELSE %s END")
    params = [Category.SALARIED, int(rates["salaried_per_mille"]), step // 2, step, step,
              Category.PENSIONER, int(rates["pensioner_per_mille"]), step // 2, step, step,
              Category.STUDENT, int(fixed[Category.STUDENT]), Category.OVERSEAS, int(fixed[Category.OVERSEAS]),
              int(fixed[Category.OTHER])]
    return sql, params


def _age_cutoff(month: dt.date) -> dt.date:
    """Members whose party age counts from this day or earlier are exempt for ``month``."""
    try:
        years = int(rule("dues.exempt_party_age_years", on=month))
    except KeyError:
        return dt.date(1, 1, 1)
    return party_age.reaches_on(years, rules.month_end(month))


def _insert_lines(month: dt.date, stamp: Any, lo: str, hi: str) -> None:
    rates = rule("dues.rates", on=month)
    step = int(rates["round_to_vnd"])
    full, full_params = _full_sql(rates)
    active = ", ".join(["%s"] * len(Status.active()))
    left = ", ".join(["%s"] * len(LEFT))
    inner = (
        f"SELECT c.id AS close_id, m.id AS member_id, {full} AS full_amount, "
        "CASE WHEN COALESCE(m.party_since, m.admission_date) <= %s THEN 100 "
        "WHEN r.kind = 'exemption' THEN 100 WHEN r.kind = 'reduction' THEN r.percent ELSE 0 END AS pct, "
        "COALESCE(p.amount, 0) AS paid "
        "FROM dues_monthclose c JOIN members_placement pl ON pl.unit_id = c.unit_id AND pl.kind = %s "
        "AND pl.valid_from <= %s JOIN members_member m ON m.id = pl.member_id "
        "LEFT JOIN dues_basis b ON b.member_id = m.id AND b.valid_from <= %s "
        "AND (b.valid_to IS NULL OR b.valid_to > %s) "
        "LEFT JOIN dues_relief r ON r.member_id = m.id AND r.valid_from <= %s "
        "AND (r.valid_to IS NULL OR r.valid_to > %s) "
        "LEFT JOIN dues_payment p ON p.member_id = m.id AND p.month = %s "
        "WHERE c.month = %s AND c.closed_at = %s AND c.unit_path >= %s AND c.unit_path < %s "
        "AND m.admission_date <= %s "
        f"AND (m.status IN ({active}) OR (m.status IN ({left}) AND m.status_since > %s)) "
        # the placement of the month's last day, or of a leaver's last day in the month (the day
        # before status_since): no date arithmetic, the same test on both databases
        f"AND CASE WHEN m.status IN ({left}) AND m.status_since <= %s "
        "THEN (pl.valid_from < m.status_since AND (pl.valid_to IS NULL OR pl.valid_to >= m.status_since)) "
        "ELSE (pl.valid_to IS NULL OR pl.valid_to > %s) END "
        "AND NOT EXISTS (SELECT 1 FROM dues_monthline o JOIN dues_monthclose oc ON oc.id = o.close_id "
        "WHERE o.member_id = m.id AND oc.month = %s AND oc.reopened_at IS NULL)"
    )
    end = rules.month_end(month)
    inner_params = [*full_params, _age_cutoff(month), PlacementKind.OFFICIAL, end, month, month, month, month,
                    month, month, stamp, lo, hi, end, *Status.active(), *LEFT, month, *LEFT, end, end, month]
    middle = (f"SELECT close_id, member_id, paid, CASE WHEN pct >= 100 THEN 0 WHEN pct = 0 THEN full_amount "
              f"ELSE (full_amount * (100 - pct) / 100 + %s) / %s * %s END AS due FROM ({inner}) x")
    sql = (
        "INSERT INTO dues_monthline (close_id, member_id, due, paid, state) "
        "SELECT close_id, member_id, due, paid, CASE WHEN due = 0 THEN %s WHEN paid >= due THEN %s "
        f"WHEN paid > 0 THEN %s ELSE %s END FROM ({middle}) y"
    )
    params = [MonthState.EXEMPT, MonthState.PAID, MonthState.PARTLY, MonthState.UNPAID,
              step // 2, step, step, *inner_params]
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _sum_closes(month: dt.date, stamp: Any, lo: str, hi: str) -> None:
    """Each new close's sums from its lines (one aggregate joined back) and the cell's share."""
    kept = int(rule("dues.shares", on=month)["retained_per_mille"][0])
    unpaid = f"('{MonthState.UNPAID}', '{MonthState.PARTLY}')"
    where = "c.month = %s AND c.closed_at = %s AND c.unit_path >= %s AND c.unit_path < %s"
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE dues_monthclose SET members = s.members, exempt = s.exempt, unpaid_members = s.unpaid_members, "
            "due = s.due, paid = s.paid, unpaid = s.unpaid, retained = s.paid * %s / 1000, "
            "remitted = s.paid - s.paid * %s / 1000 FROM ("
            "SELECT l.close_id, COUNT(*) AS members, "
            f"SUM(CASE WHEN l.state = '{MonthState.EXEMPT}' THEN 1 ELSE 0 END) AS exempt, "
            f"SUM(CASE WHEN l.state IN {unpaid} THEN 1 ELSE 0 END) AS unpaid_members, "
            "SUM(l.due) AS due, SUM(l.paid) AS paid, "
            "SUM(CASE WHEN l.paid < l.due THEN l.due - l.paid ELSE 0 END) AS unpaid "
            f"FROM dues_monthline l JOIN dues_monthclose c ON c.id = l.close_id WHERE {where} GROUP BY l.close_id"
            ") s WHERE s.close_id = dues_monthclose.id", [kept, kept, month, stamp, lo, hi])


def _analyze(*tables: str) -> None:
    """Fresh statistics for the tables just filled (PostgreSQL plans the next statements on them;
    ANALYZE sees this transaction's own rows). A first close, or one much larger than the last,
    would otherwise be planned as if the tables were empty."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {', '.join(tables)}")


def close_month(unit: Unit, month: dt.date, *, actor: Any) -> int:
    """Close ``month`` for every cell of ``unit``'s subtree not yet closed; the number closed."""
    require(actor, Perm.DUES_RECORD, unit.path, what="unit")
    month = rules.month_of(month)
    if month > rules.month_of(timezone.localdate()):
        raise DomainError(_("A month can be closed once it has begun."), {"month": [_("Not yet begun.")]})
    if month < RateBook().ledger_from(month.year):
        raise DomainError(_("The registry keeps dues from a later month: there is nothing to close."),
                          {"month": [_("Before the dues ledger began.")]})
    lo, hi = unit.path, paths.upper_bound(unit.path)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = actor.pk if getattr(actor, "pk", None) else None
    kinds = ", ".join(["%s"] * len(CELL_KINDS))
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO dues_monthclose (unit_id, unit_path, month, members, exempt, unpaid_members, due, paid, "
                "unpaid, retained, remitted, closed_by_id, closed_at) "
                "SELECT u.id, u.path, %s, 0, 0, 0, 0, 0, 0, 0, 0, %s, %s FROM org_unit u "
                f"WHERE u.path >= %s AND u.path < %s AND u.kind IN ({kinds}) "
                "AND u.opened_on <= %s AND (u.closed_on IS NULL OR u.closed_on > %s) "
                "AND NOT EXISTS (SELECT 1 FROM dues_monthclose c WHERE c.unit_id = u.id AND c.month = %s "
                "AND c.reopened_at IS NULL)",
                [month, user_id, stamp, lo, hi, *CELL_KINDS, rules.month_end(month), month, month])
            closed = cur.rowcount
        if not closed:
            raise DomainError(_("Every cell here has already closed %(m)s.") % {"m": f"{month:%m/%Y}"},
                              {"month": [_("Already closed.")]})
        _analyze("dues_monthclose")
        _insert_lines(month, stamp, lo, hi)
        _analyze("dues_monthline")
        _sum_closes(month, stamp, lo, hi)
        arrears.add_closed(month, stamp, lo, hi)
        audit.record("dues.month_closed", actor=actor, obj=unit, unit_path=unit.path,
                     payload={"month": month.isoformat(), "cells": closed})
    return closed


def reopen_month(close: MonthClose, *, actor: Any) -> MonthClose:
    """The committee above the cell reopens a closed month: its lines leave the arrears."""
    cell = Unit.objects.get(pk=close.unit_id)
    parent_path = cell.path[: -paths.STEP] or cell.path
    if not policy.can(actor, Perm.MEMBERS_VIEW, cell.path):
        raise NotFound("unit")
    if not policy.can(actor, Perm.DUES_MANAGE, parent_path):
        raise PermissionDenied(_("Only the committee above the cell reopens a closed month."))
    with transaction.atomic():
        close = MonthClose.objects.select_for_update().get(pk=close.pk)
        if close.reopened_at is not None:
            raise DomainError(_("This month is already open."))
        arrears.remove_close(close)
        close.lines.all().delete()
        close.reopened_at = timezone.now()
        close.reopened_by = actor if getattr(actor, "pk", None) else None
        close.save(update_fields=["reopened_at", "reopened_by"])
        audit.record("dues.month_reopened", actor=actor, obj=cell, unit_path=cell.path,
                     payload={"month": close.month.isoformat()})
    return close

