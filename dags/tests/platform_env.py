"""The test platform the DAG tests talk to: test/test-env.json, the same values the TypeScript tests use
(with TEST_ENV_FILE's overrides, as in test/test-env.ts)."""

from __future__ import annotations

import json
import os
from pathlib import Path

DAGS_DIR = Path(__file__).resolve().parents[1]
ROOT = DAGS_DIR.parent
TEST_ENV: dict[str, str] = {
    **json.loads((ROOT / "test" / "test-env.json").read_text()),
    **(json.loads(Path(os.environ["TEST_ENV_FILE"]).read_text()) if os.environ.get("TEST_ENV_FILE") else {}),
}
TEMPORAL_HOST, TEMPORAL_PORT = TEST_ENV["TEMPORAL_ADDRESS"].rsplit(":", 1)
UI_URL = f"http://127.0.0.1:{TEST_ENV['TEMPORAL_UI_PORT']}"
NAMESPACE = TEST_ENV.get("TEMPORAL_NAMESPACE", "default")
