"""The design notes' map of the package stays true: it lists every module, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INDENT = 2


def _mapped_files() -> set[str]:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = design.split("## Map of the package", 1)[1]
    tree = re.search(r"```\n(.*?)```", section, re.S)
    assert tree is not None, "the map's tree is a fenced block"
    folders: list[str] = []
    files = set()
    for line in tree.group(1).splitlines():
        name = line.strip().split()[0] if line.strip() else ""
        if not name or not (name.endswith("/") or name.endswith(".py")):
            continue  # a description's continuation line
        depth = (len(line) - len(line.lstrip())) // INDENT
        del folders[depth:]
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        else:
            files.add("/".join([*folders, name]))
    return files


def test_design_map_lists_every_module_of_the_package() -> None:
    modules = {str(path.relative_to(ROOT)) for path in (ROOT / "helixdesk").rglob("*.py")}
    assert _mapped_files() == modules
