"""scripts/system-packages, the first step of `make run` / `make test` (issue #15): checked against stub dpkg-query,
id and apt-get in a temporary PATH, so no package is removed from or installed on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages"
RUN_PACKAGES = [
    "python3-venv",
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "libfontconfig1",
    "gettext",
]
TOOLS = ("bash", "env", "dirname", "cut", "grep", "cat")


@dataclass
class Machine:
    root: Path
    bin: Path
    state: Path
    log: Path

    def has(self, *packages: str) -> None:
        self.state.write_text("".join(f"{p}\n" for p in packages))

    def installed(self) -> list[str]:
        return self.state.read_text().split()

    def apt_calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def run(self, mode: str, *, uid: int = 1000, apt_works: bool = True, python_ok: bool = True):
        env = {
            "PATH": str(self.bin),
            "STATE": str(self.state),
            "LOG": str(self.log),
            "FAKE_UID": str(uid),
            "APT_WORKS": "1" if apt_works else "0",
            "PYTHON": str(self.bin / ("python-ok" if python_ok else "python-broken")),
        }
        started = time.monotonic()
        result = subprocess.run(
            ["bash", str(self.root / "scripts" / "system-packages"), mode],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        result.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
        return result


def stub(path: Path, body: str) -> None:
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path) -> Machine:
    root = tmp_path / "clone"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts" / "system-packages")  # a fresh clone: no .venv beside it
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found is not None, f"{tool} is on the machine"
        os.symlink(found, bin_dir / tool)
    stub(bin_dir / "id", 'echo "$FAKE_UID"\n')
    stub(
        bin_dir / "dpkg-query",
        "# dpkg-query -W -f=FORMAT PACKAGE\n"
        'grep -qx "${@: -1}" "$STATE" && printf "ii " || { printf "un "; exit 1; }\n',
    )
    stub(
        bin_dir / "apt-get",
        'echo "$*" >> "$LOG"\n[ "$APT_WORKS" = 1 ] || exit 100\n'
        'if [ "$1" = install ]; then for p in "$@"; do\n'
        '  case "$p" in -*|install) ;; *) echo "$p" >> "$STATE";; esac\n'
        "done; fi\n",
    )
    stub(bin_dir / "python-ok", "exit 0\n")
    stub(bin_dir / "python-broken", "exit 1\n")
    machine = Machine(root=root, bin=bin_dir, state=tmp_path / "installed", log=tmp_path / "apt.log")
    machine.has(*RUN_PACKAGES, "chromium", "npm")
    return machine


def test_everything_present_passes_silently_and_installs_nothing(machine):
    for mode in ("run", "test"):
        result = machine.run(mode)
        assert result.returncode == 0, result.stderr
        assert result.stdout == result.stderr == ""
    assert machine.apt_calls() == []


def test_a_user_without_root_is_stopped_at_once_with_the_one_install_command(machine):
    machine.has(
        "python3-venv", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libfontconfig1", "gettext", "npm"
    )
    result = machine.run("test", uid=1000)
    assert result.returncode == 1
    assert result.elapsed < 5
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "make test needs system packages that are not installed: libharfbuzz-subset0 chromium. Install them with:"
    )
    assert lines[1] == "  sudo apt-get install -y --no-install-recommends libharfbuzz-subset0 chromium"
    assert machine.apt_calls() == []


def test_run_does_not_need_chromium_but_test_does(machine):
    machine.has(*RUN_PACKAGES, "npm")
    assert machine.run("run").returncode == 0
    result = machine.run("test")
    assert result.returncode == 1 and "install -y --no-install-recommends chromium\n" in result.stderr


def test_run_and_test_need_msgfmt_for_the_translation_catalogues(machine):
    machine.has(*[p for p in RUN_PACKAGES if p != "gettext"], "chromium", "npm")
    for mode in ("run", "test"):
        result = machine.run(mode)
        assert result.returncode == 1 and "install -y --no-install-recommends gettext\n" in result.stderr


def test_root_installs_what_is_missing_and_goes_on(machine):
    machine.has(
        "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libfontconfig1", "gettext", "python3-venv", "npm"
    )
    result = machine.run("test", uid=0)
    assert result.returncode == 0, result.stderr
    assert "installing system packages: libharfbuzz-subset0 chromium" in result.stderr
    assert machine.apt_calls() == [
        "update -qq",
        "install -y --no-install-recommends libharfbuzz-subset0 chromium -qq",
    ]
    assert {"libharfbuzz-subset0", "chromium"} <= set(machine.installed())
    assert machine.run("test", uid=0).returncode == 0 and len(machine.apt_calls()) == 2  # nothing more to do


def test_root_whose_install_fails_stops_with_the_command(machine):
    machine.has(*RUN_PACKAGES, "npm")
    result = machine.run("test", uid=0, apt_works=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "  apt-get install -y --no-install-recommends chromium"


def test_a_fresh_clone_needs_venv_support_from_the_python_make_uses(machine):
    machine.has(*RUN_PACKAGES[1:], "chromium")
    assert machine.run("run", python_ok=True).returncode == 0  # this Python brings ensurepip itself
    result = machine.run("run", python_ok=False)
    assert result.returncode == 1 and "install -y --no-install-recommends python3-venv\n" in result.stderr


def test_without_dpkg_the_libraries_are_looked_up_and_named(machine):
    (machine.bin / "dpkg-query").unlink()
    stub(machine.bin / "ldconfig", 'echo "\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/libpango-1.0.so.0"\n')
    result = machine.run("run")
    assert result.returncode == 1
    assert "libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1" in result.stderr
    assert "libpango-1.0-0 " not in result.stderr


def test_usage_error():
    result = subprocess.run(["bash", str(SCRIPT), "serve"], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_make_checks_the_system_before_building_anything():
    makefile = (SCRIPT.parents[1] / "Makefile").read_text()
    assert "\nrun: system-run $(RUNTIME_STAMP)\n" in makefile
    assert "\ntest: system-test $(DEV_STAMP)" in makefile
