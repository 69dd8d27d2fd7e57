"""The demo's dues: made through the services, the past months closed, the arrears verified."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chibo.demo.accounts import demo_units
from chibo.demo.dues import make_demo
from chibo.dues import arrears, grounds
from chibo.dues.models import Basis, MonthClose, Payment, Relief


@pytest.mark.django_db
def test_the_demo_dues():
    call_command("demo", "--no-serve", "--members", "600", stdout=StringIO())
    today = timezone.localdate()
    make_demo(today)
    cell = demo_units()["cell"]
    assert Basis.objects.filter(member__unit=cell).count() >= 5
    assert Relief.objects.count() == 2
    assert Payment.objects.filter(method="portal").exists()
    assert MonthClose.objects.filter(unit=cell).count() == today.month - 1
    assert arrears.verify() == []
    behind = grounds.removal_ground(list(cell.members.values_list("pk", flat=True)), today.year, today=today)
    assert len(behind) >= 1
    make_demo(today)  # once only
    assert MonthClose.objects.filter(unit=cell, month__lt=dt.date(today.year, today.month, 1)).count() == \
        today.month - 1
