"""Fixtures of the Terraform checks: the parsed tree and what the TypeScript code says (one tsx run per session)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.tests.tfcheck import REPO, TERRAFORM, Tree, load_tree


@pytest.fixture(scope="session")
def defaults() -> dict[str, Any]:
    out = subprocess.run(
        ["npx", "tsx", "infra/tests/config-defaults.ts"], cwd=REPO, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def tree() -> Tree:
    return load_tree()


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[str, str, str], Tree]:
    """A copy of infra/terraform with one edit (file relative to infra/terraform, exact text, replacement), parsed."""

    def make(file: str, old: str, new: str) -> Tree:
        root = tmp_path / "terraform"
        if not root.exists():
            shutil.copytree(TERRAFORM, root, ignore=shutil.ignore_patterns(".terraform", ".build"))
        path = root / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {file}: the test's edit is stale"
        path.write_text(text.replace(old, new, 1))
        return load_tree(root)

    return make
