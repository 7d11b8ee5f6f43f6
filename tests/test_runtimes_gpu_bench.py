"""bench/gpu_check.sh's tagging part runs on a CPU up to where it needs CUDA (--cpu-smoke): each setting that runs
on a GPU (fp32, bf16) against its own bare forward pass (issue 31, item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_gpu_check_measures_every_gpu_setting_against_its_forward_pass(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable, "SMOKE_PROCESSES": "0"}
    done = subprocess.run(["bash", "bench/gpu_check.sh", "--cpu-smoke"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + (tmp_path / "predict_gpu.log").read_text())[-3000:]
    summary = json.loads((tmp_path / "predict_gpu.json").read_text().strip().splitlines()[-1])
    for setting in ("fp32", "bf16"):
        assert summary["documents_per_second"][f"run_predict_{setting}"] > 0
        assert summary["documents_per_second"][f"forward_{setting}"] > 0
        assert summary[f"run_predict_vs_forward_{setting}"] > 0
    assert summary["bf16_vs_fp32"] > 0
