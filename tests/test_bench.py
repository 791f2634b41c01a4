"""The benchmark is a script, not a test: the suite only checks that it runs and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_quick__runs_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--json", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    figures = json.loads(out.read_text())
    assert set(figures) == {
        "cartpole_sps", "single_sps", "vector_sps", "long_episode_ratio", "import_s",
        "peak_rss_mb",
    }  # fmt: skip
    assert set(figures["vector_sps"]) == {"1", "64", "1024", "4096"}
    assert all(value > 0 for value in figures["vector_sps"].values())
    assert figures["single_sps"] > 0 and figures["long_episode_ratio"] > 0


@pytest.mark.slow
def test_kernel_profile_script_names_the_compiled_functions_for_perf() -> None:
    # 8 envs run the serial kernels, which compile in about two thirds of the parallel ones'
    # time; the symbol map is written the same way for both.
    command = [
        sys.executable, str(ROOT / "bench" / "profile_kernels.py"), "--envs", "8",
        "--seconds", "0.2",
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.DEVNULL) as process:
        assert process.wait(timeout=600) == 0
    perf_map = Path(f"/tmp/perf-{process.pid}.map")
    names = perf_map.read_text()
    perf_map.unlink()
    assert "engine10step_batch" in names and "engine13_step_episode" in names


@pytest.mark.slow
def test_contention_script__reports_each_size_alone_and_beside_a_competitor() -> None:
    command = [
        sys.executable, str(ROOT / "bench" / "contention.py"), "--sizes", "3", "--seconds",
        "0.2", "--competitor", "vector", "--competitor-envs", "2",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    row = next(line for line in run.stdout.splitlines() if line.startswith("│ 3 "))
    alone, beside = (float(cell.replace(",", "")) for cell in row.strip("│ ").split("│")[1:])
    assert alone > 0 and beside > 0


@pytest.mark.slow
def test_frames_script__reports_the_frame_cost_and_both_step_rates() -> None:
    command = [
        sys.executable, str(ROOT / "bench" / "frames.py"), "--frames", "5", "--steps", "300",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    lines = run.stdout.splitlines()
    assert lines[0].startswith("rgb_array frame:") and lines[0].endswith(" ms")
    assert [line.split(":")[0] for line in lines[1:]] == [
        "steps/s without render(), render_mode=None",
        "steps/s without render(), render_mode='rgb_array'",
    ]


def test_validity_script__writes_every_section_of_the_page(tmp_path: Path) -> None:
    out = tmp_path / "benchmark.md"
    script = ROOT / "bench" / "validity.py"
    subprocess.run(
        [sys.executable, str(script), "--seeds", "2", "--no-policy", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    page = out.read_text(encoding="utf-8")
    headings = ("## Agents", "## Ablations", "## Return against grade", "## When the GM hears")
    for heading in (*headings, "Must show"):
        assert heading in page
    rows = ("| random |", "| tuned |", "| oracle (privileged) |", "| oracle, never flag |")
    for row in (*rows, "| tuned, random priority |", "| tuned, random assignment |"):
        assert row in page
