"""The repository stands alone: no tracked file points a reader to material outside it.

A comment or a document cites a file of this repository (``docs/…``) or states the fact; it never
sends the reader to an outside design, a numbered outside section or an issue tracker entry."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "an outside mission item": re.compile(r"mission item", re.IGNORECASE),
    "an outside design section": re.compile(r"design \u00a7", re.IGNORECASE),
    "an outside reference section": re.compile(r"reference \u00a7", re.IGNORECASE),
    "a path outside the repository": re.compile(r"\.\./shared|shared/(docs|reference|fixtures)|/ \"shared\""),
    "an issue number": re.compile(r"\bissue \d+\b", re.IGNORECASE),
    "a numbered section sign": re.compile(r"\u00a7\s*\d"),
    "a bare item number of an outside list": re.compile(r"\bitems? \d+\b", re.IGNORECASE),
}

CHECKED_SUFFIXES = (".py", ".md", ".yaml", ".yml", ".toml")

# This file spells the patterns out.
SELF = "tests/unit/test_docs_references.py"


def tracked_files() -> list[str]:
    """``git ls-files``; outside a git checkout (an exported tree) every file but the usual caches."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        skip = {".venv", ".sam-venv", ".aws-sam", ".sandbox", ".git", "node_modules"}
        return [
            p.relative_to(ROOT).as_posix()
            for p in ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
        ]
    return [p for p in out.split("\0") if p]


def checked(path: str) -> bool:
    return path != SELF and (path.endswith(CHECKED_SUFFIXES) or Path(path).name == "Makefile")


def outside_references(path: str) -> list[str]:
    file = ROOT / path
    if not file.is_file():  # deleted in the work tree, not yet in the index
        return []
    hits: list[str] = []
    for number, line in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        for what, pattern in FORBIDDEN.items():
            found = pattern.search(line)
            if found:
                hits.append(f"{path}:{number}: {what}: {found.group(0)!r}")
    return hits


def test_no_tracked_file_points_outside_the_repository() -> None:
    hits = [hit for path in tracked_files() if checked(path) for hit in outside_references(path)]
    assert hits == [], "references outside the repository:\n" + "\n".join(hits)


def test_the_patterns_catch_what_they_are_meant_to() -> None:
    # Spelled in pieces so that this file does not itself hold what a plain text search flags.
    samples = [
        "see mission " + "item 4",
        "as design \u00a72 says",
        "reference \u00a71.7",
        "../" + "shared/reference/utp-odata.md",
        'REPO.parent / "shared" / "fixtures"',
        "Issue 6: catch-up sweep",
        "\u00a7 3",
        "the invoice rule (item 10)",
    ]
    for sample in samples:
        assert any(p.search(sample) for p in FORBIDDEN.values()), sample
    assert not any(p.search("docs/utp-odata.md, section Writes") for p in FORBIDDEN.values())


# A path of this repository named in a Markdown file: `bridge/...` stands for `layers/common/bridge/...`.
REPO_PATH = re.compile(
    r"`((?:layers/common/)?(?:bridge|sandbox|tests|bench|functions|bridge_ops|docs|events|packaging)/[\w./-]+)`"
)


def test_every_repository_path_the_docs_name_exists() -> None:
    missing = []
    for path in tracked_files():
        if not path.endswith(".md"):
            continue
        text = (ROOT / path).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for found in REPO_PATH.finditer(line):
                named = found.group(1).rstrip("/.")
                places = (ROOT / named, ROOT / "layers" / "common" / named, (ROOT / path).parent / named)
                if not any(place.exists() for place in places):
                    missing.append(f"{path}:{number}: {named}")
    assert missing == [], "paths named in the docs that do not exist:\n" + "\n".join(missing)
