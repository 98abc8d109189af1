"""Build each addon's README.rst from its readme/*.md fragments.

Usage: python setup/gen_addon_readme.py [--check]

The fragments are written in the small common subset of Markdown and
reStructuredText (paragraphs, "- " bullets, **bold**); `code` becomes ``code``,
"## Title" and "### Title" become underlined section titles and a fenced block
a literal block. --check exits 1 when a
README.rst is out of date.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("icasa_ev_billing", "icasa_ev_subscription", "icasa_partner_invoicing")
SECTIONS = (("DESCRIPTION.md", None), ("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage"))


def md_to_rst(text):
    out = []
    literal = False
    for line in text.strip().splitlines():
        if line.startswith("```"):
            # a fenced block becomes a literal block
            literal = not literal
            if literal:
                out += ["::", ""]
            continue
        if literal:
            out.append(f"    {line}" if line else "")
            continue
        m = re.match(r"^(#{2,4}) (.*)$", line)
        if m:
            title = m.group(2).strip()
            out += [title, {2: "~", 3: "^"}.get(len(m.group(1)), '"') * len(title)]
            continue
        out.append(re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", line))
    return "\n".join(out)


def render(addon):
    path = ROOT / addon
    manifest = ast.literal_eval((path / "__manifest__.py").read_text())
    title = manifest["name"]
    parts = ["=" * len(title), title, "=" * len(title), "", manifest["summary"], ""]
    parts += [
        f"| Version: {manifest['version']} | License: {manifest['license']} | "
        f"Depends on: {', '.join(manifest['depends'])} |",
        "",
    ]
    for fname, heading in SECTIONS:
        fragment = path / "readme" / fname
        if not fragment.is_file() or not fragment.read_text().strip():
            continue
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts += [md_to_rst(fragment.read_text()), ""]
    parts += ["Credits", "=======", "", f"Authors: {manifest['author']}", ""]
    return "\n".join(parts)


def main(check):
    stale = []
    for addon in ADDONS:
        target = ROOT / addon / "README.rst"
        text = render(addon)
        if check:
            if not target.is_file() or target.read_text() != text:
                stale.append(addon)
        else:
            target.write_text(text)
    if stale:
        sys.exit(f"README.rst out of date in: {', '.join(stale)}; run python setup/gen_addon_readme.py")


if __name__ == "__main__":
    main("--check" in sys.argv)
