"""Importing a statement of the national public-service portal: party dues paid online.

Each row is one portal transaction: the member (citizen ID, or party card number), the month paid
for, the amount and the day. Pass 1 reads every row; :meth:`finish` matches the members in the
actor's dues scope (by card number; by citizen ID only where the actor may also see citizen IDs,
so a guessed ID never reveals a member) and checks each row against the ledger in a few set queries (the month owed and
not exempt, not already paid, not closed; no transaction or member-month twice in the file). Any
wrong or unmatched row (reported with its citizen ID or card and month) rejects the whole file.
A transaction already imported is skipped, so importing the same statement again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.dues.enums import Method, MonthState
from chibo.dues.ledger import member_months
from chibo.dues.models import Payment, Statement
from chibo.dues.rules import month_of
from chibo.dues.services import closed_for
from chibo.imports.columns import DUES_PORTAL_COLUMNS, CellError, parse_date
from chibo.imports.importer import Importer, Progress, common_path, lock_tables
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org.models import Unit

Row = tuple[int, dict[str, Any]]


def parse_month(value: Any) -> dt.date:
    """A month written ``MM/YYYY``, ``YYYY-MM`` or as any day of it."""
    text = str(value).strip()
    try:
        if len(text) in (6, 7) and "/" in text:
            m, y = text.split("/")
            return dt.date(int(y), int(m), 1)
        if len(text) == 7 and text[4] == "-":
            return dt.date(int(text[:4]), int(text[5:]), 1)
        return month_of(parse_date(value))
    except (ValueError, CellError):
        raise CellError(_("Enter the month paid for as MM/YYYY (e.g. 03/2026).")) from None


class DuesPortalImporter(Importer):
    kind = "dues_portal"
    columns = DUES_PORTAL_COLUMNS
    permission = Perm.DUES_RECORD

    def __init__(self, actor: Any):
        super().__init__(actor)
        self.today = timezone.localdate()
        self.pending: list[Row] = []
        self.ready: list[Payment] = []
        self.skipped = 0
        # a citizen ID is matched only where the importer may see it: a cell secretary sees it masked,
        # and a match (or a payment recorded) would reveal the full ID of a guessed number
        self.sensitive = policy.scope_for(actor, Perm.MEMBERS_VIEW_SENSITIVE)
        self.ids_visible = self.sensitive.everything or (
            not self.scope.everything and all(self.sensitive.covers(root) for root in self.scope.roots))

    def check(self, number: int, data: dict[str, Any], failed: set[str]) -> None:
        if failed:
            return
        if not data.get("citizen_id") and not data.get("card_number"):
            self.log.add(number, "citizen_id", _("Enter the member's citizen ID or party card number."))
            return
        try:
            data["month"] = parse_month(data["month"])
        except CellError as exc:
            self.log.add(number, "month", exc.message)
            return
        if data["amount"] <= 0:
            self.log.add(number, "amount", _("Enter the amount paid in whole đồng, more than 0."))
        elif data["paid_on"] > self.today:
            self.log.add(number, "paid_on", _("The payment date cannot be in the future."))
        else:
            self.pending.append((number, data))

    def finish(self) -> None:
        members = self._members()
        refs = self._known_refs()
        matched: list[tuple[int, dict[str, Any], Member]] = []
        seen_refs: dict[str, int] = {}
        seen_months: dict[tuple[int, dt.date], int] = {}
        for number, data in self.pending:
            ref = data["transaction_id"]
            if ref in seen_refs:
                self.log.add(number, "transaction_id", _("This transaction is already in row %(row)d.")
                             % {"row": seen_refs[ref]})
                continue
            seen_refs[ref] = number
            member = members.get(("id", data["citizen_id"])) or members.get(("card", data["card_number"]))
            if member is None:
                self._unmatched(number, data)
                continue
            if ref in refs:
                if refs[ref] == (member.pk, data["month"]):
                    self.skipped += 1
                else:
                    self.log.add(number, "transaction_id", _("This transaction was imported for another payment."))
                continue
            key = (member.pk, data["month"])
            if key in seen_months:
                self.log.add(number, "month", _("This member's month is already paid in row %(row)d.")
                             % {"row": seen_months[key]})
                continue
            seen_months[key] = number
            matched.append((number, data, member))
        self._against_ledger(matched)

    def _members(self) -> dict[tuple[str, str], Member]:
        ids = {d["citizen_id"] for _n, d in self.pending if d.get("citizen_id")}
        cards = {d["card_number"] for _n, d in self.pending if d.get("card_number")}
        found: dict[tuple[str, str], Member] = {}
        living = Member.objects.filter(self.scope.q("unit_path")).exclude(status=Status.DECEASED).only(
            "pk", "citizen_id", "card_number", "unit_id", "unit_path", "status", "status_since")
        for m in living.filter(self.sensitive.q("unit_path"), citizen_id__in=ids):
            found[("id", m.citizen_id)] = m
        for m in living.filter(card_number__in=cards):
            found[("card", m.card_number or "")] = m
        return found

    def _known_refs(self) -> dict[str, tuple[int, dt.date]]:
        refs = [d["transaction_id"] for _n, d in self.pending]
        return {r or "": (m, mo) for r, m, mo in Payment.objects.filter(portal_ref__in=refs)
                .values_list("portal_ref", "member_id", "month")}

    def _unmatched(self, number: int, data: dict[str, Any]) -> None:
        who = (_("citizen ID %(id)s") % {"id": data["citizen_id"]} if data.get("citizen_id")
               else _("card %(card)s") % {"card": data["card_number"]})
        where = (_("in the cells whose dues you keep") if not data.get("citizen_id") or self.ids_visible
                 else _("among the members whose citizen ID you may see: enter the party card number, or ask "
                        "the committee to import"))
        self.log.add(number, "citizen_id", _("Not matched: no member with %(who)s %(where)s (month %(month)s).")
                     % {"who": who, "where": where, "month": f"{data['month']:%m/%Y}"})

    def _against_ledger(self, matched: list[tuple[int, dict[str, Any], Member]]) -> None:
        by_year: dict[int, list[int]] = defaultdict(list)
        for _n, data, member in matched:
            by_year[data["month"].year].append(member.pk)
        views = {}
        for year, pks in by_year.items():
            for pk, owed in member_months(sorted(set(pks)), year, today=self.today).items():
                views.update({(pk, v.month): v for v in owed})
        months = sorted({d["month"] for _n, d, _m in matched})
        closed = closed_for(list({m.pk: m for _n, _d, m in matched}.values()), months)
        for number, data, member in matched:
            label = {"month": f"{data['month']:%m/%Y}"}
            view = views.get((member.pk, data["month"]))
            if (member.pk, data["month"]) in closed:
                self.log.add(number, "month", _("%(month)s is closed for this member's cell: ask the committee "
                                                "to reopen it first.") % label)
            elif view is None:
                self.log.add(number, "month", _("The member owes no dues for %(month)s (before admission, after "
                                                "leaving, or not yet begun).") % label)
            elif view.state == MonthState.EXEMPT:
                self.log.add(number, "month", _("The member is exempt for %(month)s.") % label)
            elif view.paid:
                self.log.add(number, "month", _("%(month)s is already paid.") % label)
            else:
                self.ready.append(Payment(member_id=member.pk, month=data["month"], amount=data["amount"],
                                          method=Method.PORTAL, portal_ref=data["transaction_id"],
                                          paid_on=data["paid_on"], unit_id=member.unit_id,
                                          receipt=data["transaction_id"]))
                self.ready[-1].unit_path = member.unit_path  # type: ignore[attr-defined]

    def write(self, progress: Progress | None = None) -> str:
        touched = [getattr(p, "unit_path", "") for p in self.ready]
        scope = common_path(touched) if touched else (self.scope.roots[0] if not self.scope.everything else "")
        if not self.ready:  # every row already imported: nothing to add
            return scope
        with transaction.atomic():
            lock_tables("dues_payment")
            unit = Unit.objects.get(path=scope)
            digest = hashlib.sha256("\n".join(sorted(p.portal_ref or "" for p in self.ready)).encode()).hexdigest()
            actor = self.actor if getattr(self.actor, "is_authenticated", False) else None
            statement = Statement.objects.create(unit=unit, digest=digest, file_name="", rows=self.rows,
                                                 added=len(self.ready), imported_by=actor)
            for p in self.ready:
                p.statement, p.recorded_by = statement, actor
            Payment.objects.bulk_create(self.ready, batch_size=2000)
            audit.record("dues.statement_imported", actor=self.actor, obj=statement, unit_path=scope,
                         payload={"rows": self.rows, "added": len(self.ready), "already": self.skipped})
            if progress:
                progress(self.rows, self.rows)
        return scope
