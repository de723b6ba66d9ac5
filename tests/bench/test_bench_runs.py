"""``python -m bench`` runs end to end at its tiniest sizes and reports every key.

No timing thresholds here: this keeps the benchmark from rotting; how fast the app is, is what
the benchmark's own output says.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.__main__ import KEYS, TARGETS

REPO = Path(__file__).resolve().parents[2]

NUMERIC_KEYS = [key for key in KEYS if key != "slack_writes_per_session_by_method"]


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def test_tiny_run_prints_and_writes_every_key(tmp_path: Path) -> None:
    out = tmp_path / "results" / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout)  # exactly one JSON object on stdout
    assert json.loads(out.read_text()) == result

    for key in KEYS:
        assert key in result, key
    postgres_down = result["callbacks_per_s_postgres"] is None
    if postgres_down:  # allowed only off CI, and then it says why
        assert not os.environ.get("CI"), result["notes"]
        assert "not measured" in result["notes"]["callbacks_per_s_postgres"]
    for key in NUMERIC_KEYS:
        if key == "callbacks_per_s_postgres" and postgres_down:
            continue
        assert _is_number(result[key]), (key, result[key])
    assert result["ack_ratio_p99"] > 0
    assert result["ack_ratio_p99"] == round(
        result["ack_p99_ms"] / result["bare_bolt_ack_p99_ms"], 3
    )
    assert result["ack_p50_ms"] <= result["ack_p99_ms"]
    assert result["bare_bolt_ack_p50_ms"] <= result["bare_bolt_ack_p99_ms"]
    assert result["callback_to_update_p50_ms"] <= result["callback_to_update_p99_ms"]

    by_method = result["slack_writes_per_session_by_method"]
    assert by_method and all(_is_number(v) for v in by_method.values())
    calls = result["slack_writes_per_session"] + result["slack_reads_per_session"]
    assert math.isclose(sum(by_method.values()), calls, abs_tol=0.05)
    assert {"chat.postMessage", "chat.update"} <= set(by_method)

    machine = result["machine"]
    assert isinstance(machine["cores"], int) and machine["cores"] >= 1
    assert machine["python"].count(".") == 2
    assert len(machine["commit"].removesuffix("-dirty")) >= 7

    assert result["sizes"]["name"] == "tiny"
    for phase in ("ack", "callbacks", "slack_writes", "callback_latency", "rss"):
        counts = result["samples"][phase]
        assert counts and all(isinstance(v, int | float) and v > 0 for v in counts.values())
    assert set(result["targets"]) == set(TARGETS)
    assert all(isinstance(t["met"], bool) for t in result["targets"].values() if t is not None)
