"""Real writes through the services, for the drills: ``python -m drills.writes --phase N --count K``.

Run with the application's environment (``DATABASE_URL``, ``CHIBO_DATA_DIR``, ``CHIBO_MEDIA_DIR``).
Each unit of work is one transaction of a service, as a secretary's request would be: a member
registered in a cell (members, placements, tallies, audit), an admission case opened (cases, steps,
audit) with a scan attached (documents, a file in the media directory), a thematic meeting
created (meetings, audit), and a member moved to another cell (placements, tallies, audit).

With ``--until FILE`` it writes members until FILE exists (the SQLite drill's writer) and prints
``committed <member id>`` after each commit, so the drill knows which writes a backup may hold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drills.writes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", type=int, required=True, help="1, 2, …: keeps the citizen IDs of phases apart")
    parser.add_argument("--count", type=int, default=10, help="rounds of writes (each round: 4 services)")
    parser.add_argument("--until", type=Path, default=None, help="write members until this file exists")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chibo.settings")
    import django

    django.setup()
    if args.until:
        return _members_until(args.phase, args.until)
    started = time.perf_counter()
    written = _rounds(args.phase, args.count)
    print(f"phase {args.phase}: {written} service calls in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def _cells() -> list:
    from chibo.org.models import Unit, UnitKind

    cells = list(Unit.objects.filter(closed_on__isnull=True, kind__in=UnitKind.member_holding()).order_by("path"))
    if len(cells) < 2:
        raise SystemExit("the database has fewer than two open cells: load a data set first (python -m chibo generate)")
    return cells


def _rounds(phase: int, count: int) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from chibo.accounts.policy import SYSTEM
    from chibo.admissions import services as admissions
    from chibo.meetings import services as meetings
    from chibo.members import services as members

    cells = _cells()
    today = timezone.localdate()
    calls = 0
    for i in range(count):
        serial = phase * 10_000 + i
        cell, other = cells[(serial * 7) % len(cells)], cells[(serial * 7 + 1) % len(cells)]
        member = members.create_member(actor=SYSTEM, unit=cell, data=_member_data(serial))
        case = admissions.open_case(actor=SYSTEM, cell=cell, data=_case_data(serial), on=today,
                                    resolution=f"{serial}-NQ/CB")
        admissions.attach_document(case, actor=SYSTEM, title="Đơn xin vào Đảng",
                                   upload=SimpleUploadedFile(f"don-{serial}.png", PNG + str(serial).encode(),
                                                             content_type="image/png"))
        meetings.create_meeting(actor=SYSTEM, unit=cell, kind="thematic", topic=f"Chuyên đề {serial}",
                                starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=30, minutes=serial))
        members.transfer_member(member, actor=SYSTEM, to_unit=other, on=today)
        calls += 5
    return calls


def _members_until(phase: int, stop: Path) -> int:
    from chibo.accounts.policy import SYSTEM
    from chibo.members import services as members

    cells = _cells()
    i = 0
    while not stop.exists():
        serial = phase * 10_000 + i
        member = members.create_member(actor=SYSTEM, unit=cells[i % len(cells)], data=_member_data(serial))
        print(f"committed {member.pk}", flush=True)
        i += 1
    return 0


def _member_data(serial: int) -> dict:
    from chibo.members.rules import citizen_id_for

    birth = dt.date(1980 + serial % 20, 1 + serial % 12, 1 + serial % 28)
    return {"full_name": f"Trần Văn Diễn {serial}".replace(str(serial), _letters(serial)), "sex": "M",
            "birth_date": birth, "citizen_id": citizen_id_for(province=95, sex="M", birth_date=birth, serial=serial),
            "status": "official", "admission_date": dt.date(2015, 5, 19), "ceremony_date": dt.date(2015, 6, 1),
            "official_date": dt.date(2016, 6, 1)}


def _case_data(serial: int) -> dict:
    from chibo.members.rules import citizen_id_for

    birth = dt.date(1998, 1 + serial % 12, 1 + serial % 28)
    return {"full_name": f"Lê Thị Hoa {_letters(serial)}", "sex": "F", "birth_date": birth,
            "citizen_id": citizen_id_for(province=96, sex="F", birth_date=birth, serial=serial),
            "education_grade": 12, "occupation": "civil_servant"}


def _letters(n: int) -> str:
    """A name-like word for a number (names hold no digits)."""
    syllables = ("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Minh", "Nam")
    return " ".join(syllables[int(d)] for d in str(n))


if __name__ == "__main__":
    sys.exit(main())
