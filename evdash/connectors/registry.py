"""Every publisher reader `evdash fetch SOURCE` knows, by its SOURCE name: one line per connector.

A connector module keeps the contract of `evdash.connectors.base` (`SOURCE`, `PARSER_VERSION`,
`parse(data, name) -> Parsed`) and may state `LICENCE` (kept in the raw file's manifest row) and `URL`
(the default download address when `--url` is not given).
"""

from __future__ import annotations

from types import ModuleType

from evdash.connectors import dft, iea, kba, rdw

CONNECTORS: dict[str, ModuleType] = {
    iea.SOURCE: iea,
    kba.SOURCE: kba,
    rdw.SOURCE: rdw,
    dft.SOURCE: dft,
}


def connector(source: str) -> ModuleType:
    """The reader module of `source`; KeyError naming the known sources when there is none."""
    try:
        return CONNECTORS[source]
    except KeyError:
        raise KeyError(f"unknown source '{source}' (known: {', '.join(sorted(CONNECTORS))})") from None
