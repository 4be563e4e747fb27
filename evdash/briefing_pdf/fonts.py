"""The briefing PDF's fonts: DejaVu Sans (Debian's fonts-dejavu-core, or the folder in env
`EVDASH_PDF_FONTS`) and the fallback fonts for what it has no glyph for (Noto Sans CJK, Noto Color Emoji);
`BriefingError` names the package to install when one is missing."""

from __future__ import annotations

import os
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
FONT = "DejaVu"
# Fallback fonts for what DejaVu Sans has no glyph for: (family, style, file name, index in a collection,
# folders looked in after EVDASH_PDF_FONTS, Debian package). The CJK collection's face 2 is Simplified
# Chinese (the brands' home market); it carries the Japanese and Korean glyphs too.
FALLBACK_FONTS = (
    ("NotoCJK", "", "NotoSansCJK-Regular.ttc", 2, Path("/usr/share/fonts/opentype/noto"), "fonts-noto-cjk"),
    ("NotoCJK", "B", "NotoSansCJK-Bold.ttc", 2, Path("/usr/share/fonts/opentype/noto"), "fonts-noto-cjk"),
    (
        "NotoEmoji",
        "",
        "NotoColorEmoji.ttf",
        0,
        Path("/usr/share/fonts/truetype/noto"),
        "fonts-noto-color-emoji",
    ),
)


class BriefingError(RuntimeError):
    """The PDF could not be made (fonts or charts missing); the message says what to install."""


def font_dir() -> Path:
    configured = os.environ.get("EVDASH_PDF_FONTS")
    for folder in ([Path(configured)] if configured else []) + list(FONT_DIRS):
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    raise BriefingError(
        "no DejaVuSans.ttf / DejaVuSans-Bold.ttf found (looked in "
        + ", ".join(str(f) for f in ([Path(configured)] if configured else []) + list(FONT_DIRS))
        + "); install Debian's fonts-dejavu-core or set EVDASH_PDF_FONTS to a folder holding them"
    )


def fallback_font_files() -> list[tuple[str, str, Path, int]]:
    """(family, style, file, collection index) of every fallback font; BriefingError names the package
    to install when one is missing."""
    configured = os.environ.get("EVDASH_PDF_FONTS")
    found = []
    for family, style, name, index, folder, package in FALLBACK_FONTS:
        candidates = ([Path(configured) / name] if configured else []) + [folder / name]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise BriefingError(
                f"no {name} found (looked in {', '.join(str(c.parent) for c in candidates)}); install "
                f"Debian's {package} (the briefing prints Chinese, Japanese, Korean and emoji with it)"
            )
        found.append((family, style, path, index))
    return found
