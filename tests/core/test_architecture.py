"""The domain core knows no chat platform: a WeCom transport can sit beside handlers/ without touching it."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

PLATFORM_PACKAGES = ("telegram", "handlers")


def imports_of(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


ENTRY_POINTS = ("cli.py", "demo.py")  # they choose the transport, importing it inside the command
CORE_FILES = sorted(p for folder in ("bot", "nlp") for p in (ROOT / folder).rglob("*.py") if p.name not in ENTRY_POINTS)


@pytest.mark.parametrize("path", CORE_FILES, ids=[str(p.relative_to(ROOT)) for p in CORE_FILES])
def test_core_modules_do_not_import_a_chat_platform(path):
    assert not imports_of(path) & set(PLATFORM_PACKAGES), f"{path.relative_to(ROOT)} imports a chat platform"


def test_entry_points_import_the_transport_only_inside_their_commands():
    for name in ENTRY_POINTS:
        tree = ast.parse((ROOT / "bot" / name).read_text(encoding="utf-8"))
        top_level = {(node.module or "").split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)} | {
            alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for alias in node.names
        }
        assert not top_level & set(PLATFORM_PACKAGES), name


def test_nlp_does_not_import_the_bot():
    for path in (ROOT / "nlp").rglob("*.py"):
        assert "bot" not in imports_of(path), path
