"""Rebuild the report fonts in static/fonts/ (run by hand; the built files are committed).

Sources are the Debian packages fonts-noto-core, fonts-noto-mono and fonts-noto-cjk (all SIL OFL 1.1):
    apt-get download fonts-noto-core fonts-noto-mono && dpkg -x <each .deb> /tmp/noto
    .venv/bin/python scripts/build_report_fonts.py /tmp/noto/usr/share/fonts/truetype/noto \
        /usr/share/fonts/opentype/noto
Each font is cut down to the characters a governance report can hold (Latin, Greek, Cyrillic, punctuation and
common symbols; for Korean: every Hangul syllable, the Jamo and CJK punctuation, not Hanja) and stored as WOFF2.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

OUT = Path(__file__).resolve().parent.parent / "static" / "fonts"

LATIN = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1, Latin Extended A and B
    (0x0250, 0x02FF),  # IPA, spacing modifiers
    (0x0300, 0x036F),  # combining diacritics
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x214F),  # letterlike
    (0x2150, 0x218F),  # number forms
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x25A0, 0x25FF),  # geometric shapes
    (0xFB00, 0xFB06),  # ligatures
    (0xFFFD, 0xFFFD),  # replacement character
]
KOREAN = [
    (0x0020, 0x007E),
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2000, 0x206F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2460, 0x24FF),  # enclosed alphanumerics
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),
    (0x2600, 0x26FF),  # miscellaneous symbols
    (0x2700, 0x27BF),  # dingbats (check marks, crosses)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3200, 0x32FF),  # enclosed CJK letters
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xFF00, 0xFFEF),  # half- and full-width forms
]


def codepoints(ranges: list[tuple[int, int]]) -> list[int]:
    return [cp for start, end in ranges for cp in range(start, end + 1)]


def cut(font: TTFont, ranges: list[tuple[int, int]], target: Path) -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints(ranges))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(str(target))
    print(f"{target.name}: {target.stat().st_size} bytes")


def rename(font: TTFont, family: str, postscript: str, style: str) -> None:
    """Name the cut-down Korean face as what it now is (the Korean subset of Noto Sans CJK: "Noto Sans KR")."""
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 4, 16, 17, 6, 3):
            table.removeNames(nameID=record.nameID)
    table.setName(family, 1, 3, 1, 0x409)
    table.setName(style, 2, 3, 1, 0x409)
    table.setName(f"{family} {style}".replace(" Regular", ""), 4, 3, 1, 0x409)
    table.setName(postscript, 6, 3, 1, 0x409)
    table.setName(f"{postscript};mlops-gov subset", 3, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FullName = f"{family} {style}"
        top.FamilyName = family


def main(noto_dir: str, cjk_dir: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for style in ("Regular", "Bold"):
        cut(TTFont(Path(noto_dir) / f"NotoSans-{style}.ttf"), LATIN, OUT / f"NotoSans-{style}.woff2")
        collection = TTCollection(Path(cjk_dir) / f"NotoSansCJK-{style}.ttc")
        korean = next(f for f in collection.fonts if f["name"].getDebugName(6) == f"NotoSansCJKkr-{style}")
        rename(korean, "Noto Sans KR", f"NotoSansKR-{style}", style)
        cut(korean, KOREAN, OUT / f"NotoSansKR-{style}.woff2")
    cut(TTFont(Path(noto_dir) / "NotoSansMono-Regular.ttf"), LATIN, OUT / "NotoSansMono-Regular.woff2")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: build_report_fonts.py NOTO_TRUETYPE_DIR NOTO_CJK_OPENTYPE_DIR")
    main(sys.argv[1], sys.argv[2])
