"""The non-residential organizations of the synthetic tree: commune offices, schools, clinics,
enterprises, the provincial agency committees and the central blocs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from chibo.demo import places
from chibo.org.enums import Sector, UnitKind

if TYPE_CHECKING:
    from chibo.demo.places import Province
    from chibo.demo.tree import Node, TreeBuilder


def _numbered(word: str, n: int) -> list[str]:
    return [f"Chi bộ {word} {i}" for i in range(1, n + 1)]


def _cells(names) -> list[str]:
    return [f"Chi bộ {n}" for n in names]


def split_commune_name(name: str) -> tuple[str, str]:
    """ "Đặc khu Vân Đồn" → ("đặc khu", "Vân Đồn"); "Xã Tân Phú" → ("xã", "Tân Phú")."""
    for prefix in ("Đặc khu ", "Phường ", "Xã "):
        if name.startswith(prefix):
            return prefix.strip().lower(), name[len(prefix):]
    return "xã", name


def commune_organizations(b: TreeBuilder, commune: Node, urban: bool) -> Iterator[Node]:
    """Everything in a commune besides its villages."""
    rng = b.rng
    kind_word, base = split_commune_name(commune.name)
    offices = places.WARD_OFFICES if urban else places.COMMUNE_OFFICES
    yield from b._committee(commune, f"Đảng bộ Ủy ban nhân dân {kind_word} {base}", "agency",
                            _cells(offices))
    yield from b._grassroots_cell(commune, f"Chi bộ Cơ quan Đảng - Đoàn thể {kind_word} {base}", "agency")
    yield from b._grassroots_cell(commune, f"Chi bộ Công an {kind_word} {base}", "police")
    yield from b._grassroots_cell(commune, f"Chi bộ Quân sự {kind_word} {base}", "military")
    yield from _schools(b, commune, base)
    yield from _health(b, commune, base, kind_word)
    yield from _enterprises(b, commune, base, urban)
    if rng.random() < 0.3 * b.plan.density:
        yield from b._grassroots_cell(
            commune, f"Chi bộ Ngân hàng Nông nghiệp và PTNT chi nhánh {base}", "state_company")


def _schools(b: TreeBuilder, commune: Node, base: str) -> Iterator[Node]:
    rng = b.rng
    yield from b._grassroots_cell(commune, f"Chi bộ Trường Mầm non {rng.choice(places.KINDERGARTENS)}", "school")
    for i in range(b._dense(rng.choice((1, 2, 2)), 1)):
        suffix = f" số {i + 1}" if i else ""
        yield from b._grassroots_cell(commune, f"Chi bộ Trường Tiểu học {base}{suffix}", "school")
    yield from b._grassroots_cell(commune, f"Chi bộ Trường THCS {base}", "school")
    if rng.random() < 0.6 * b.plan.density:
        cells = [*_numbered("Giáo viên", rng.randint(2, 3)), "Chi bộ Hành chính - Văn phòng"]
        yield from b._committee(commune, f"Đảng bộ Trường THPT {rng.choice(places.FAMOUS)}", "school", cells)


def _health(b: TreeBuilder, commune: Node, base: str, kind_word: str) -> Iterator[Node]:
    rng = b.rng
    yield from b._grassroots_cell(commune, f"Chi bộ Trạm Y tế {kind_word} {base}", "health")
    if rng.random() < 0.35 * b.plan.density:
        departments = rng.sample(places.HOSPITAL_DEPARTMENTS, rng.randint(4, 7))
        partial = None
        if rng.random() < 0.3:
            partial = [("Đảng bộ bộ phận Khối Lâm sàng", _cells(departments[:3])),
                       ("Đảng bộ bộ phận Khối Cận lâm sàng", _cells(departments[3:]))]
            departments = []
        yield from b._committee(commune, f"Đảng bộ Trung tâm Y tế khu vực {base}", "health",
                                _cells(departments), partial=partial)


def _enterprises(b: TreeBuilder, commune: Node, base: str, urban: bool) -> Iterator[Node]:
    rng = b.rng
    small = b._dense(rng.randint(2, 8) if urban else rng.randint(0, 4))
    for _ in range(small):
        name = places.company_name(rng, joint_stock=rng.random() < 0.3)
        yield from b._grassroots_cell(commune, f"Chi bộ {name}", "company")
    if not urban:
        yield from b._grassroots_cell(commune, f"Chi bộ Hợp tác xã Nông nghiệp {base}", "coop")
    if rng.random() < (0.5 if urban else 0.2) * b.plan.density:
        yield from _big_company(b, commune, f"Đảng bộ {places.company_name(rng, joint_stock=True)}", "company")
    if rng.random() < 0.05 * b.plan.density:
        name = f"Đảng bộ Công ty TNHH MTV {rng.choice(places.STATE_FIRMS)} {base}"
        yield from _big_company(b, commune, name, "state_company")


def _big_company(b: TreeBuilder, parent: Node, name: str, flavor: str) -> Iterator[Node]:
    """A large enterprise; a third of them have partial committees and party groups (depth 7)."""
    rng = b.rng
    departments = rng.sample(places.COMPANY_DEPARTMENTS, rng.randint(3, 6))
    if rng.random() < 0.35:
        partial = [(f"Đảng bộ bộ phận Nhà máy {i}", _numbered("Phân xưởng", rng.randint(2, 4)))
                   for i in range(1, rng.randint(2, 3) + 1)]
        yield from b._committee(parent, name, flavor, _cells(departments[:2]), partial=partial, groups=0.6)
    else:
        yield from b._committee(parent, name, flavor, _cells(departments))


# ---- provincial agency committees -----------------------------------------------------------

def province_agencies(b: TreeBuilder, province: Node, prov: Province) -> Iterator[Node]:
    rng = b.rng
    size = prov.weight / 3  # Hà Nội and Hồ Chí Minh City have several times more agencies
    word = "thành phố" if prov.city else "tỉnh"
    party = b._child(province, UnitKind.AGENCY, f"Đảng bộ các cơ quan Đảng {word} {prov.short}", years=30)
    yield party
    for body in places.PROVINCE_PARTY_BODIES[: b._scaled(len(places.PROVINCE_PARTY_BODIES))]:
        yield from b._grassroots_cell(party, f"Chi bộ {body}", "agency")
    gov = b._child(province, UnitKind.AGENCY, f"Đảng bộ Ủy ban nhân dân {word} {prov.short}", years=30)
    yield gov
    for dep in places.PROVINCE_DEPARTMENTS[: b._scaled(len(places.PROVINCE_DEPARTMENTS))]:
        cells = _cells(rng.sample(places.AGENCY_DEPARTMENTS, rng.randint(2, 5)))
        yield from b._committee(gov, f"Đảng bộ {dep}", "agency", cells)
    for h in range(b._scaled(1 + size)):
        yield from _hospital(b, gov, f"Đảng bộ Bệnh viện Đa khoa {'tỉnh' if h == 0 else f'khu vực {h}'}")
    for u in range(b._scaled(size, 0)):
        cells = [*_numbered("Giảng viên", rng.randint(2, 4)), *_numbered("Sinh viên", rng.randint(2, 5))]
        school = "Trường Đại học" if u == 0 else "Trường Cao đẳng"
        yield from b._committee(gov, f"Đảng bộ {school} {prov.short}{'' if u == 0 else f' {u}'}",
                                "university", cells)
    for _ in range(b._scaled(size, 0)):
        yield from _big_company(b, gov, f"Đảng bộ Công ty TNHH MTV {rng.choice(places.STATE_FIRMS)} {prov.short}",
                                "state_company")
    yield from _armed(b, province, prov, word, size)


def _hospital(b: TreeBuilder, parent: Node, name: str) -> Iterator[Node]:
    rng = b.rng
    departments = _cells(places.HOSPITAL_DEPARTMENTS)
    partial = [("Đảng bộ bộ phận Khối Lâm sàng", departments[:5]),
               ("Đảng bộ bộ phận Khối Cận lâm sàng", departments[5:8])]
    yield from b._committee(parent, name, "health", departments[8:], partial=partial if rng.random() < 0.6 else None)


def _armed(b: TreeBuilder, province: Node, prov: Province, word: str, size: float) -> Iterator[Node]:
    rng = b.rng
    police = b._child(province, UnitKind.AGENCY, f"Đảng bộ Công an {word} {prov.short}",
                      sector=Sector.ARMED_FORCES, years=30)
    yield police
    for unit in places.POLICE_UNITS[: b._scaled(len(places.POLICE_UNITS))]:
        yield from b._committee(police, f"Đảng bộ {unit}", "police",
                                _numbered("Đội", rng.randint(2, 3 + int(size))))
    military = b._child(province, UnitKind.AGENCY, f"Đảng bộ Quân sự {word} {prov.short}",
                        sector=Sector.ARMED_FORCES, years=30)
    yield military
    for unit in places.MILITARY_UNITS[: b._scaled(len(places.MILITARY_UNITS))]:
        yield from b._committee(military, f"Đảng bộ {unit}", "military",
                                _numbered("Đại đội", rng.randint(2, 4)), groups=0.5)


# ---- central blocs --------------------------------------------------------------------------

def bloc_agencies(b: TreeBuilder, bloc: Node, name: str) -> Iterator[Node]:
    armed = name in ("Đảng bộ Quân đội", "Đảng bộ Công an Trung ương")
    sector = Sector.ARMED_FORCES if armed else Sector.STATE_AGENCY
    for agency in places.CENTRAL_AGENCIES[name][: b._scaled(len(places.CENTRAL_AGENCIES[name]))]:
        node = b._child(bloc, UnitKind.AGENCY, f"Đảng bộ {agency}", sector=sector, years=30)
        yield node
        if agency == "Ngoài nước":
            for country in places.EMBASSIES[: b._scaled(len(places.EMBASSIES))]:
                yield from b._grassroots_cell(node, f"Chi bộ Đại sứ quán Việt Nam tại {country}", "overseas")
        elif name == "Đảng bộ Quân đội":
            yield from _regiments(b, node)
        else:
            yield from _divisions(b, node, "police" if armed else "agency")


def _regiments(b: TreeBuilder, agency: Node) -> Iterator[Node]:
    """Army: regiment (grassroots committee) → battalion (partial) → company cell → platoon group."""
    rng = b.rng
    for r in range(1, b._scaled(60) + 1):
        battalions = [(f"Đảng bộ bộ phận Tiểu đoàn {t}", _numbered("Đại đội", rng.randint(2, 4)))
                      for t in range(1, rng.randint(2, 3) + 1)]
        yield from b._committee(agency, f"Đảng bộ Trung đoàn {r}", "military",
                                ["Chi bộ Cơ quan Trung đoàn", "Chi bộ Đại đội Trinh sát"],
                                partial=battalions, groups=0.7)


def _divisions(b: TreeBuilder, agency: Node, flavor: str) -> Iterator[Node]:
    rng = b.rng
    for d in range(b._scaled(30)):
        division = places.CENTRAL_DIVISIONS[d % len(places.CENTRAL_DIVISIONS)]
        suffix = f" {d // len(places.CENTRAL_DIVISIONS) + 1}" if d >= len(places.CENTRAL_DIVISIONS) else ""
        cells = _cells(rng.sample(places.AGENCY_DEPARTMENTS, rng.randint(2, 6)))
        yield from b._committee(agency, f"Đảng bộ {division}{suffix}", flavor, cells)
