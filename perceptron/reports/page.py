"""The report's page: a title, a headline, the run's settings and a section per picture."""

from __future__ import annotations

import html
from dataclasses import dataclass

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #1d2733; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
.headline { font-size: 1.15em; color: #3b6ea5; margin-top: 0; }
section { margin: 2.2em 0; }
figure { margin: 0.5em 0; overflow-x: auto; }
figure svg, figure img { max-width: 100%; height: auto; }
figcaption { color: #4a5868; font-size: 0.95em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #d6dde6; padding: 0.25em 0.8em; text-align: left; }
th { background: #f0f3f7; }
nav a { margin-right: 1em; }
"""


@dataclass
class Section:
    """One part of the page: an anchor, a heading, the markup of its picture, a caption."""

    anchor: str
    heading: str
    body: str
    caption: str


def page(title: str, headline: str, settings: dict[str, str], sections: list[Section]) -> str:
    """The whole HTML document; every text is escaped, every picture is already markup."""
    e = html.escape
    links = " ".join(f'<a href="#{s.anchor}">{e(s.heading)}</a>' for s in sections)
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in settings.items())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        f'<h1>{e(title)}</h1><p class="headline">{e(headline)}</p>',
        f'<nav>{links} <a href="#settings">Settings</a></nav>',
    ]
    for s in sections:
        parts.append(
            f'<section id="{e(s.anchor)}"><h2>{e(s.heading)}</h2>'
            f"<figure>{s.body}<figcaption>{e(s.caption)}</figcaption></figure></section>"
        )
    parts.append(
        '<section id="settings"><h2>Settings of the run</h2>'
        f'<table id="settings-table">{rows}</table></section>'
    )
    parts.append("</body></html>")
    return "\n".join(parts)
