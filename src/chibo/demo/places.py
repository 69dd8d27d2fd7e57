"""Provinces, place names and organization names for synthetic unit trees.

The 34 provinces and cities are those in force since 1 July 2025, each with the citizen-ID
province codes of the provinces merged into it, its number of commune-level units, a relative
membership size, its ethnic minorities and its religious colour.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from chibo.demo.sampling import Table


@dataclass(frozen=True)
class Province:
    short: str
    city: bool
    region: str  # north / central / south (spelling of names)
    terrain: str  # plain / highland (northern mountains) / plateau (Central Highlands) / delta
    id_codes: tuple[int, ...]  # citizen-ID province codes (001–096) of its former provinces
    communes: int
    weight: float  # relative membership
    minority_share: float = 0.0
    minorities: tuple[tuple[str, float], ...] = ()
    religions: dict[str, float] = field(default_factory=dict)  # extra weight per religion
    special_zones: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{'Thành phố' if self.city else 'Tỉnh'} {self.short}"


P = Province
PROVINCES: tuple[Province, ...] = (
    P("Hà Nội", True, "north", "plain", (1,), 126, 13.0, 0.02, (("06", 5), ("09", 1), ("02", 1)),
      {"catholicism": 0.5}),
    P("Huế", True, "central", "plain", (46,), 40, 1.6, 0.03, (("31", 3), ("26", 2), ("23", 1)),
      {"buddhism": 3.0}),
    P("Lai Châu", False, "north", "highland", (12,), 38, 0.6, 0.75,
      (("03", 4), ("08", 4), ("09", 2), ("35", 1), ("25", 1), ("41", 0.3), ("42", 0.3))),
    P("Điện Biên", False, "north", "highland", (11,), 45, 0.8, 0.75,
      (("03", 4), ("08", 4), ("29", 1), ("09", 0.5), ("35", 0.3)), {"protestantism": 1.0}),
    P("Sơn La", False, "north", "highland", (14,), 75, 1.6, 0.75,
      (("03", 6), ("08", 2), ("06", 1), ("29", 0.5), ("33", 0.2), ("34", 0.2))),
    P("Lạng Sơn", False, "north", "highland", (20,), 65, 1.1, 0.8,
      (("07", 5), ("02", 4), ("09", 1), ("18", 0.3))),
    P("Quảng Ninh", False, "north", "plain", (22,), 54, 2.2, 0.1,
      (("09", 3), ("02", 2), ("15", 1), ("18", 1), ("04", 0.5)), {}, ("Vân Đồn", "Cô Tô")),
    P("Thanh Hóa", False, "north", "plain", (38,), 166, 5.4, 0.15, (("06", 4), ("03", 3), ("08", 0.3)),
      {"catholicism": 0.8}),
    P("Nghệ An", False, "central", "plain", (40,), 130, 4.6, 0.12, (("03", 4), ("29", 1), ("08", 1)),
      {"catholicism": 1.0}),
    P("Hà Tĩnh", False, "central", "plain", (42,), 69, 2.0, 0.005, (("06", 1),), {"catholicism": 1.0}),
    P("Cao Bằng", False, "north", "highland", (4,), 56, 0.8, 0.9,
      (("02", 5), ("07", 4), ("08", 1), ("09", 1), ("15", 0.3))),
    P("Tuyên Quang", False, "north", "highland", (8, 2), 124, 2.4, 0.55,
      (("02", 4), ("08", 3), ("09", 2), ("15", 1), ("07", 1), ("25", 0.3))),
    P("Lào Cai", False, "north", "highland", (10, 15), 99, 2.2, 0.5,
      (("02", 3), ("08", 3), ("09", 2), ("25", 1), ("03", 1), ("35", 0.3))),
    P("Thái Nguyên", False, "north", "highland", (19, 6), 92, 2.4, 0.35,
      (("02", 5), ("07", 2), ("09", 1), ("18", 1), ("15", 1))),
    P("Phú Thọ", False, "north", "plain", (25, 26, 17), 148, 5.0, 0.2,
      (("06", 6), ("18", 1), ("09", 1), ("02", 0.5))),
    P("Bắc Ninh", False, "north", "plain", (27, 24), 99, 4.4, 0.06,
      (("02", 2), ("07", 2), ("18", 1), ("15", 1))),
    P("Hưng Yên", False, "north", "plain", (33, 34), 104, 4.6, 0.003, (("06", 1),), {"catholicism": 0.8}),
    P("Hải Phòng", True, "north", "plain", (31, 30), 114, 5.6, 0.005, (("04", 1), ("18", 1)),
      {"catholicism": 0.4}, ("Cát Hải", "Bạch Long Vĩ")),
    P("Ninh Bình", False, "north", "plain", (37, 35, 36), 129, 5.4, 0.01, (("06", 1),),
      {"catholicism": 3.0}),
    P("Quảng Trị", False, "central", "plain", (45, 44), 78, 2.0, 0.04, (("23", 3), ("44", 0.5), ("31", 0.5)),
      {"catholicism": 0.8}, ("Cồn Cỏ",)),
    P("Đà Nẵng", True, "central", "plain", (48, 49), 94, 3.0, 0.04, (("26", 3), ("27", 1), ("30", 0.5)),
      {"buddhism": 1.0}, ("Hoàng Sa",)),
    P("Quảng Ngãi", False, "central", "plain", (51, 62), 96, 2.2, 0.15,
      (("19", 3), ("14", 3), ("30", 1), ("13", 1), ("27", 0.5)), {}, ("Lý Sơn",)),
    P("Gia Lai", False, "central", "plateau", (64, 52), 135, 3.2, 0.25, (("10", 5), ("13", 3), ("21", 0.5)),
      {"protestantism": 2.0, "catholicism": 0.5}),
    P("Khánh Hòa", False, "central", "plain", (56, 58), 65, 2.0, 0.08, (("21", 3), ("17", 2), ("16", 1)),
      {"buddhism": 1.0}, ("Trường Sa",)),
    P("Lâm Đồng", False, "central", "plateau", (68, 67, 60), 124, 3.4, 0.12,
      (("16", 4), ("20", 2), ("28", 1), ("17", 1), ("36", 1)),
      {"catholicism": 2.0, "protestantism": 1.0}, ("Phú Quý",)),
    P("Đắk Lắk", False, "central", "plateau", (66, 54), 102, 2.8, 0.2,
      (("12", 5), ("20", 2), ("10", 0.5), ("02", 1), ("07", 1)), {"protestantism": 2.0}),
    P("Hồ Chí Minh", True, "south", "delta", (79, 74, 77), 168, 10.0, 0.02, (("04", 6), ("05", 1), ("17", 0.5)),
      {"catholicism": 1.5, "buddhism": 1.5}, ("Côn Đảo",)),
    P("Đồng Nai", False, "south", "plain", (75, 70), 95, 3.2, 0.04,
      (("04", 2), ("22", 2), ("32", 1), ("02", 0.5), ("07", 1)), {"catholicism": 4.0}),
    P("Tây Ninh", False, "south", "delta", (72, 80), 96, 2.4, 0.01, (("05", 2), ("17", 0.5)), {"cao_dai": 4.0}),
    P("Cần Thơ", True, "south", "delta", (92, 94, 93), 103, 2.8, 0.12, (("05", 6), ("04", 1)), {"hoa_hao": 0.5}),
    P("Vĩnh Long", False, "south", "delta", (86, 83, 84), 124, 3.0, 0.1, (("05", 6),), {"cao_dai": 0.5}),
    P("Đồng Tháp", False, "south", "delta", (87, 82), 102, 3.0, 0.002, (("05", 1),), {"hoa_hao": 1.0}),
    P("Cà Mau", False, "south", "delta", (96, 95), 64, 1.8, 0.04, (("05", 4), ("04", 1))),
    P("An Giang", False, "south", "delta", (89, 91), 102, 3.4, 0.1, (("05", 5), ("17", 1), ("04", 1)),
      {"hoa_hao": 4.0, "islam": 0.5}, ("Phú Quốc", "Thổ Châu", "Kiên Hải")),
)
PROVINCE_INDEX = {p.short: i for i, p in enumerate(PROVINCES)}

RELIGION_BASE = {"none": 95.0, "buddhism": 2.4, "catholicism": 1.2, "protestantism": 0.3,
                 "cao_dai": 0.3, "hoa_hao": 0.3, "islam": 0.05, "other": 0.3}

BLOCS = (
    "Đảng bộ Quân đội", "Đảng bộ Công an Trung ương", "Đảng bộ các cơ quan Đảng Trung ương",
    "Đảng bộ Chính phủ", "Đảng bộ Quốc hội", "Đảng bộ Mặt trận Tổ quốc, các đoàn thể Trung ương",
)

# ---- place names ----------------------------------------------------------------------------

SYLLABLES = (
    "An", "Bình", "Hòa", "Phú", "Tân", "Thạnh", "Long", "Mỹ", "Vĩnh", "Phước", "Thuận", "Hưng",
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Xuân", "Quang", "Minh", "Thành", "Đức", "Hiệp", "Lợi",
    "Sơn", "Hải", "Phong", "Lộc", "Thịnh", "Thái", "Yên", "Định", "Hà", "Lạc", "Nghĩa", "Kim",
    "Ngọc", "Cẩm", "Quỳnh", "Hồng", "Thanh", "Tiến", "Lập", "Khánh", "Hội", "Lâm", "Thọ",
    "Phúc", "Vinh", "Tùng", "Cát", "Hương", "Liên", "Châu", "Gia", "Đại", "Đồng", "Hữu", "Ninh",
    "Quế", "Kỳ", "Hoa", "Trường", "Sa", "Giang", "Điền", "Tường", "Mai", "Dương", "Lương",
)
HIGHLAND_FIRST = ("Mường", "Na", "Nà", "Pác", "Phìn", "Sín", "Tả", "Khau", "Lũng", "Nậm",
                  "Chiềng", "Tà", "Mù", "Thẩm", "Bản", "Pò", "Hát")
HIGHLAND_SECOND = ("Tè", "Hang", "Lay", "Ngòi", "Chải", "Lìn", "Phình", "Cang", "Khoang", "Tấu",
                   "Mộc", "Thàng", "Nhé", "Hồ", "Chà", "Pồ", "Lum", "Giàng", "Sang", "Lạn", "Bó")
PLATEAU_NAMES = ("Ko Tam", "Ea Tu", "Krông", "Ia Grai", "Đăk Pơ", "Kon Brông", "Ea Kao", "Ia Pết",
                 "Đam Rông", "Lak", "Plei Ơi", "Ea Sol", "Kon Chiêng", "Ia Băng", "Cư Mgar")
DIRECTIONS = ("Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Đoài", "Tiền", "Hậu")

FAMOUS = (
    "Lê Quý Đôn", "Trần Phú", "Nguyễn Huệ", "Lê Lợi", "Chu Văn An", "Nguyễn Trãi", "Lý Thường Kiệt",
    "Trần Hưng Đạo", "Ngô Quyền", "Quang Trung", "Nguyễn Du", "Hàn Thuyên", "Phan Bội Châu",
    "Nguyễn Bỉnh Khiêm", "Lương Thế Vinh", "Võ Thị Sáu", "Kim Đồng", "Lê Hồng Phong",
    "Nguyễn Văn Cừ", "Hùng Vương", "Nguyễn Thị Minh Khai", "Phan Đình Phùng", "Hoàng Hoa Thám",
    "Nguyễn Đình Chiểu", "Lê Văn Tám", "Bế Văn Đàn", "Tô Hiệu", "Nguyễn Khuyến", "Trần Quốc Toản",
)
KINDERGARTENS = ("Hoa Sen", "Hoa Mai", "Sơn Ca", "Họa Mi", "Hoa Hồng", "Tuổi Thơ", "Bình Minh",
                 "Hoa Phượng", "Măng Non", "Ánh Dương")
TRADES = ("May mặc", "Cơ khí", "Xây dựng", "Thương mại và Dịch vụ", "Thủy sản", "Chế biến gỗ",
          "Vận tải", "Điện tử", "Thực phẩm", "Vật liệu xây dựng", "Du lịch", "Dệt may", "Giày da",
          "Nhựa", "Bao bì", "Dược phẩm", "Nông sản", "Phần mềm", "Logistics", "Cấp thoát nước")
BRANDS = ("Tân Phát", "Minh Long", "Hưng Thịnh", "Phú Cường", "Thành Công", "Hòa Bình", "An Phát",
          "Việt Hưng", "Đại Dương", "Hoàng Gia", "Sao Mai", "Bình Minh", "Thiên Long", "Phương Nam",
          "Đông Á", "Hải Đăng", "Trường Sơn", "Kim Long", "Quang Minh", "Đức Thành", "Nam Việt",
          "Tiến Đạt", "Hồng Phúc", "Thắng Lợi")
STATE_FIRMS = ("Lâm nghiệp", "Thủy lợi", "Cao su", "Xổ số kiến thiết", "Môi trường đô thị",
               "Cấp nước", "Khai thác công trình thủy lợi")

COMPANY_DEPARTMENTS = ("Phân xưởng 1", "Phân xưởng 2", "Phân xưởng 3", "Phòng Kỹ thuật",
                       "Phòng Kinh doanh", "Phòng Tổ chức - Hành chính", "Phòng Tài chính - Kế toán",
                       "Xưởng Sản xuất", "Tổ Vận hành", "Đội Xe", "Xưởng May 2", "Kho vận")
HOSPITAL_DEPARTMENTS = ("Khoa Nội", "Khoa Ngoại", "Khoa Sản", "Khoa Nhi", "Khoa Khám bệnh",
                        "Khoa Cấp cứu", "Khoa Xét nghiệm", "Khoa Dược", "Phòng Hành chính - Tổng hợp",
                        "Khoa Chẩn đoán hình ảnh", "Khoa Y học cổ truyền")
AGENCY_DEPARTMENTS = ("Văn phòng", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Thanh tra",
                      "Phòng Nghiệp vụ 1", "Phòng Nghiệp vụ 2", "Phòng Pháp chế", "Trung tâm Thông tin")
COMMUNE_OFFICES = ("Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội",
                   "Trung tâm Phục vụ hành chính công")
WARD_OFFICES = ("Văn phòng HĐND và UBND", "Phòng Kinh tế, Hạ tầng và Đô thị",
                "Phòng Văn hóa - Xã hội", "Trung tâm Phục vụ hành chính công")

PROVINCE_PARTY_BODIES = ("Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
                         "Ủy ban Kiểm tra Tỉnh ủy", "Ban Nội chính Tỉnh ủy", "Báo và Phát thanh, Truyền hình",
                         "Trường Chính trị", "Ủy ban Mặt trận Tổ quốc", "Hội Nông dân", "Tỉnh đoàn")
PROVINCE_DEPARTMENTS = ("Sở Tài chính", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Nông nghiệp và Môi trường",
                        "Sở Xây dựng", "Sở Công Thương", "Sở Tư pháp", "Sở Nội vụ", "Sở Khoa học và Công nghệ",
                        "Sở Văn hóa, Thể thao và Du lịch", "Thanh tra tỉnh", "Sở Dân tộc và Tôn giáo",
                        "Văn phòng UBND tỉnh", "Ban Quản lý các khu công nghiệp")
POLICE_UNITS = ("Phòng Tham mưu", "Phòng Cảnh sát giao thông", "Phòng Cảnh sát hình sự",
                "Phòng An ninh chính trị nội bộ", "Phòng Cảnh sát phòng cháy, chữa cháy",
                "Phòng Quản lý xuất nhập cảnh", "Phòng Hậu cần", "Phòng Kỹ thuật hình sự")
MILITARY_UNITS = ("Cơ quan Bộ Chỉ huy", "Trung đoàn Bộ binh", "Tiểu đoàn Huấn luyện",
                  "Ban Chỉ huy Phòng thủ khu vực 1", "Ban Chỉ huy Phòng thủ khu vực 2", "Đại đội Trinh sát")

CENTRAL_AGENCIES = {
    "Đảng bộ Quân đội": ("Quân khu 1", "Quân khu 2", "Quân khu 3", "Quân khu 4", "Quân khu 5", "Quân khu 7",
                         "Quân khu 9", "Quân chủng Hải quân", "Quân chủng Phòng không - Không quân",
                         "Bộ đội Biên phòng", "Quân đoàn 12", "Quân đoàn 34", "Binh đoàn 11"),
    "Đảng bộ Công an Trung ương": ("Bộ Tư lệnh Cảnh sát cơ động", "Cục Cảnh sát giao thông",
                                   "Cục An ninh kinh tế", "Học viện An ninh nhân dân",
                                   "Học viện Cảnh sát nhân dân", "Bệnh viện 199", "Văn phòng Bộ Công an"),
    "Đảng bộ các cơ quan Đảng Trung ương": ("Văn phòng Trung ương Đảng", "Ban Tổ chức Trung ương",
                                            "Học viện Chính trị quốc gia Hồ Chí Minh", "Báo Nhân Dân",
                                            "Tạp chí Cộng sản", "Ngoài nước"),
    "Đảng bộ Chính phủ": ("Bộ Tài chính", "Bộ Công Thương", "Bộ Y tế", "Bộ Giáo dục và Đào tạo",
                          "Bộ Nông nghiệp và Môi trường", "Bộ Xây dựng", "Bộ Nội vụ", "Bộ Tư pháp",
                          "Bộ Ngoại giao", "Ngân hàng Nhà nước Việt Nam", "Tập đoàn Điện lực Việt Nam",
                          "Tập đoàn Dầu khí Việt Nam", "Tập đoàn Than - Khoáng sản Việt Nam",
                          "Đại học Quốc gia Hà Nội"),
    "Đảng bộ Quốc hội": ("Văn phòng Quốc hội", "Kiểm toán nhà nước", "Tòa án nhân dân tối cao",
                         "Viện Kiểm sát nhân dân tối cao"),
    "Đảng bộ Mặt trận Tổ quốc, các đoàn thể Trung ương": (
        "Cơ quan Ủy ban Trung ương MTTQ Việt Nam", "Trung ương Đoàn TNCS Hồ Chí Minh",
        "Tổng Liên đoàn Lao động Việt Nam", "Trung ương Hội Nông dân Việt Nam",
        "Trung ương Hội Liên hiệp Phụ nữ Việt Nam", "Trung ương Hội Cựu chiến binh Việt Nam"),
}
CENTRAL_DIVISIONS = ("Vụ Tổ chức cán bộ", "Vụ Kế hoạch - Tài chính", "Vụ Pháp chế", "Vụ Hợp tác quốc tế",
                     "Văn phòng", "Cục Quản lý", "Viện Chiến lược", "Trung tâm Thông tin", "Thanh tra",
                     "Vụ Tổng hợp", "Cục Kiểm tra", "Trường Đào tạo cán bộ")
EMBASSIES = ("Trung Quốc", "Lào", "Campuchia", "Nhật Bản", "Hàn Quốc", "Hoa Kỳ", "Liên bang Nga",
             "Pháp", "Đức", "Anh", "Ấn Độ", "Singapore", "Thái Lan", "Úc", "Cuba")


def pair_name(rng: random.Random, used: set[str], syllables: tuple[str, ...] = SYLLABLES,
              second: tuple[str, ...] | None = None) -> str:
    """A fresh two-syllable place name ("Tân Phú"), unique within ``used``."""
    second = second or syllables
    for _attempt in range(200):
        a, b = rng.choice(syllables), rng.choice(second)
        name = f"{a} {b}"
        if a != b and name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(syllables)} {rng.choice(second)} {len(used) + 1}"
    used.add(name)
    return name


def commune_name(rng: random.Random, province: Province, used: set[str], urban: bool) -> str:
    if province.terrain == "highland" and not urban and rng.random() < 0.6:
        base = pair_name(rng, used, HIGHLAND_FIRST, HIGHLAND_SECOND)
    elif province.terrain == "plateau" and not urban and rng.random() < 0.4:
        base = pair_name(rng, used, ("Ea", "Ia", "Đăk", "Kon", "Krông", "Cư"), HIGHLAND_SECOND)
    else:
        base = pair_name(rng, used)
    return f"{'Phường' if urban else 'Xã'} {base}"


def village_names(rng: random.Random, province: Province, urban: bool, count: int) -> list[str]:
    """Names of the villages (or residential groups) of one commune, e.g. "Thôn Đông"."""
    if urban:
        word = "Khu phố" if province.region == "south" else "Tổ dân phố"
        return [f"{word} {i}" for i in range(1, count + 1)]
    used: set[str] = set()
    names = []
    for i in range(1, count + 1):
        if province.terrain == "highland" and rng.random() < 0.7:
            names.append(f"Bản {pair_name(rng, used, HIGHLAND_FIRST, HIGHLAND_SECOND)}")
        elif province.terrain == "plateau" and rng.random() < 0.5:
            word = "Buôn" if province.short == "Đắk Lắk" else "Làng"
            names.append(f"{word} {rng.choice(PLATEAU_NAMES)} {i}")
        elif province.region == "south":
            names.append(f"Ấp {pair_name(rng, used)}" if rng.random() < 0.6 else f"Ấp {i}")
        elif i <= len(DIRECTIONS) and rng.random() < 0.35:
            names.append(f"Thôn {DIRECTIONS[i - 1]}")
        elif rng.random() < 0.3:
            names.append(f"Thôn {i}")
        else:
            names.append(f"Thôn {pair_name(rng, used)}")
    return names


def cell_of_village(village: str) -> str:
    """ "Thôn Đông" → "Chi bộ thôn Đông" (the kind word is lower case inside a unit name)."""
    word, _sep, rest = village.partition(" ")
    if word == "Tổ":  # Tổ dân phố 3
        return f"Chi bộ tổ {rest}"
    if word == "Khu":
        return f"Chi bộ khu {rest}"
    return f"Chi bộ {word.lower()} {rest}"


def company_name(rng: random.Random, *, joint_stock: bool) -> str:
    kind = "Công ty Cổ phần" if joint_stock else "Công ty TNHH"
    return f"{kind} {rng.choice(TRADES)} {rng.choice(BRANDS)}"


def religion_table(province: Province) -> Table[str]:
    weights = dict(RELIGION_BASE)
    for name, extra in province.religions.items():
        weights[name] += extra
        weights["none"] -= extra
    return Table(list(weights.items()))


def ethnicity_table(province: Province) -> Table[str]:
    share = province.minority_share
    groups = province.minorities or (("04", 1.0),)
    total = sum(w for _code, w in groups)
    weighted = [("01", 1.0 - share)] + [(code, share * w / total) for code, w in groups]
    return Table(weighted)
