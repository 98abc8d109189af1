"""Checks on the repository itself: manifests agree with the layout the team relies on."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDONS = {
    "icasa_ev_billing": ["sale_management", "account"],
    "icasa_ev_subscription": ["icasa_ev_billing"],
    "icasa_partner_invoicing": ["icasa_ev_subscription"],
}


@pytest.mark.parametrize("addon", sorted(ADDONS))
def test_manifest(addon):
    manifest = ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())
    # 18.0.x.y.z; a version past 18.0.1.0.0 brings its migration scripts
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", manifest["version"])
    if manifest["version"] != "18.0.1.0.0":
        assert (ROOT / addon / "migrations" / manifest["version"]).is_dir(), f"{addon}: no migration folder"
    assert manifest["license"] == "LGPL-3"
    assert manifest["depends"] == ADDONS[addon]
    for path in manifest.get("data", []) + manifest.get("demo", []):
        assert (ROOT / addon / path).is_file(), f"{addon}: {path} is listed but missing"
    assert (ROOT / addon / "pyproject.toml").is_file()


@pytest.mark.parametrize("addon", sorted(ADDONS))
def test_pure_tools_do_not_import_odoo(addon):
    tools = ROOT / addon / "tools"
    for path in tools.glob("*.py") if tools.is_dir() else []:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            assert not any(n == "odoo" or n.startswith("odoo.") for n in names), f"{path} imports odoo"
