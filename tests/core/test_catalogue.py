"""The Vietnamese catalogue is complete: every message marked in the code has a translation.

The catalogue is regenerated with ``makemessages -l vi`` (docs/operations.md); these tests read
the .po source and the compiled .mo the service loads.
"""

import gettext
import re
from pathlib import Path

import chibo

PO = Path(chibo.__file__).parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def parse(text: str) -> list[dict]:
    """Each entry as {msgid, msgstrs, fuzzy}; obsolete (#~) entries skipped."""
    out = []
    for block in text.split("\n\n"):
        lines = [ln for ln in block.strip().splitlines() if not ln.startswith("#~")]
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("msg"):
                key, _, rest = line.partition(" ")
                fields[key] = "".join(QUOTED.findall(rest))
            elif line.startswith('"') and key:
                fields[key] += "".join(QUOTED.findall(line))
        if fields.get("msgid"):
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            out.append({"msgid": fields["msgid"], "msgstrs": strs, "fuzzy": "#, fuzzy" in block,
                        "context": fields.get("msgctxt")})
    return out


def test_the_parser_sees_an_untranslated_entry():
    sample = 'msgid "A"\nmsgstr "B"\n\n#, fuzzy\nmsgid "C"\nmsgstr ""\n'
    assert [(e["msgid"], e["msgstrs"], e["fuzzy"]) for e in parse(sample)] == [
        ("A", ["B"], False), ("C", [""], True)]


def test_no_message_is_untranslated_or_fuzzy():
    entries = parse(PO.read_text(encoding="utf-8"))
    assert len(entries) > 400
    assert [e["msgid"] for e in entries if not all(e["msgstrs"])] == []
    assert [e["msgid"] for e in entries if e["fuzzy"]] == []


def test_compiled_catalogue_holds_every_message():
    with PO.with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    entries = parse(PO.read_text(encoding="utf-8"))

    def unescape(text: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)

    def looked_up(e: dict) -> str:
        msgid = unescape(e["msgid"])
        return compiled.pgettext(unescape(e["context"]), msgid) if e["context"] else compiled.gettext(msgid)

    missing = [e["msgid"] for e in entries
               if looked_up(e) == unescape(e["msgid"]) != unescape(e["msgstrs"][0])]
    assert missing == []
