"""Desktop packaging: the .desktop entry, AppStream metainfo, MIME type, icons and the PyInstaller spec."""

from __future__ import annotations

import ast
import configparser
import json
import os
import shutil
import struct
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / "netbuilder.desktop"
METAINFO = PACKAGING / "io.github.netbuilder.Netbuilder.metainfo.xml"
MIME = PACKAGING / "netbuilder-mime.xml"
SPEC = PACKAGING / "netbuilder.spec"
RESOURCES = ROOT / "resources"
ICONS = RESOURCES / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512)
MIME_TYPE = "application/x-netbuilder-project"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt package: "
                    f"{'desktop-file-utils' if name == 'desktop-file-validate' else 'appstream'})")
    return path


def test_the_desktop_entry_passes_desktop_file_validate() -> None:
    result = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout


def test_the_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_desktop_entry_opens_project_files_with_the_netbuilder_command() -> None:
    entry = _desktop_entry()
    assert entry["Exec"] == "netbuilder %f" and entry["Icon"] == "netbuilder"
    assert MIME_TYPE in entry["MimeType"].split(";")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'netbuilder = "netbuilder.cli:main"' in pyproject  # the command Exec runs is the installed script


def test_the_mime_type_claims_nbproj_files() -> None:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime = ET.parse(MIME).getroot().find("m:mime-type", ns)
    assert mime is not None and mime.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in mime.findall("m:glob", ns)] == ["*.nbproj"]


def test_the_mime_database_accepts_the_mime_type(tmp_path) -> None:
    tool = shutil.which("update-mime-database")
    if tool is None:
        pytest.skip("update-mime-database is not installed (apt package: shared-mime-info)")
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME, packages / "netbuilder.xml")
    env = {**os.environ, "XDG_DATA_DIRS": str(tmp_path)}  # else it notes the folder is not searched
    result = subprocess.run([tool, str(tmp_path / "mime")], capture_output=True, text=True, env=env)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    assert "*.nbproj" in (tmp_path / "mime" / "globs2").read_text()


def test_the_metainfo_names_the_launcher_binary_and_existing_screenshots() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "netbuilder"
    assert root.findtext("provides/mediatype") == MIME_TYPE
    assert root.find("content_rating") is not None and root.find("releases/release") is not None
    images = [i.text or "" for i in root.findall("screenshots/screenshot/image")]
    assert images
    for url in images:
        relative = url.split("/main/", 1)[1]
        assert (ROOT / relative).is_file(), f"{url} points at {relative}, which is not in the repository"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", SIZES)
def test_the_icon_exists_as_a_png_of_each_hicolor_size(size: int) -> None:
    path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "netbuilder.png"
    assert _png_size(path) == (size, size)


def test_the_scalable_icon_is_a_square_svg() -> None:
    root = ET.parse(ICONS / "netbuilder.svg").getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 512 512"


def test_the_pyinstaller_spec_builds_a_one_folder_app_from_the_cli_entry_with_resources() -> None:
    text = SPEC.read_text(encoding="utf-8")
    ast.parse(text)  # a spec is Python
    assert '"netbuilder" / "__main__.py"' in text
    assert 'collect_submodules("netbuilder"' in text  # the CLI imports its subcommands by name
    assert '(str(ROOT / "resources"), "netbuilder/resources")' in text  # where importlib.resources looks
    assert "exclude_binaries=True" in text and "COLLECT(" in text  # one folder, not one file


# --- The wheel: `pip install .` (not editable) ships the package and everything in resources/ ---

# What the wheel must carry from resources/ (installed as netbuilder.resources), as paths inside the wheel.
SHIPPED = sorted(
    [f"examples/{p.name}" for p in (RESOURCES / "examples").glob("*.nbproj")]
    + [f"examples/{p.name}" for p in (RESOURCES / "examples").glob("*.safetensors")]  # weights a template starts from
    + ["text/snippet.txt", "icons/netbuilder.svg"]
    + [f"icons/hicolor/{s}x{s}/apps/netbuilder.png" for s in SIZES]
)


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_the_wheel_lists_every_package_of_the_source_tree() -> None:
    # The packages are listed by hand (resources/ maps to netbuilder.resources), so a new
    # sub-package must be added there, or the installed copy lacks it.
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    in_tree = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "netbuilder").rglob("__init__.py")}
    assert listed == in_tree | {"netbuilder.resources"}


def test_the_version_is_written_once_and_the_metainfo_release_matches_it() -> None:
    import netbuilder

    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "netbuilder.__version__"}
    newest = ET.parse(METAINFO).getroot().find("releases/release")
    assert newest is not None and newest.get("version") == netbuilder.__version__


def test_the_license_file_is_the_declared_mit_licence() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def _isolated_env(site: Path) -> dict[str, str]:
    """Environment for a Python that imports netbuilder from `site` only; dependencies from this venv.

    Run with -S: no .pth files, so the editable install's import hook (which maps netbuilder to the
    checkout) is not loaded. PYTHONSAFEPATH (3.11+) and a cwd outside the checkout keep it off sys.path.
    """
    paths = sysconfig.get_paths()
    deps = dict.fromkeys([paths["purelib"], paths["platlib"]])  # the venv's site-packages, once each
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=os.pathsep.join([str(site), *deps]), PYTHONSAFEPATH="1", PYTHONDONTWRITEBYTECODE="1")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the folder it is installed into), built from a copy of the source tree.

    A copy, so the build leaves no build/ or egg-info in the checkout (stale build/lib files
    would end up in later wheels), and nothing is fetched: setuptools comes from this venv.
    """
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("netbuilder", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=skip)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    build = subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(tmp / "dist")], capture_output=True, text=True, cwd=tmp)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Warning" not in build.stderr, build.stderr  # e.g. setuptools' "Package would be ignored"
    (wheel,) = (tmp / "dist").glob("netbuilder-*.whl")
    site = tmp / "site"
    install = subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
                             capture_output=True, text=True, cwd=tmp)
    assert install.returncode == 0, install.stdout + install.stderr
    return wheel, site


@pytest.mark.slow
def test_the_wheel_holds_every_example_the_text_data_and_the_icons_once(installed) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    prefix = "netbuilder/resources/"
    data = sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix) and not n.endswith(".py"))
    assert data == SHIPPED  # each once; not build_examples.py, which writes the examples
    assert "netbuilder/resources/__init__.py" in names and "netbuilder/py.typed" in names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "netbuilder").rglob("*.py")}
    assert modules <= set(names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


@pytest.mark.slow
def test_an_installed_copy_reads_templates_and_text_data_from_itself(installed, tmp_path) -> None:
    _, site = installed
    probe = ("import json, netbuilder\n"
             "from importlib.resources import files\n"
             "from netbuilder.data.builtin import read_text\n"
             "from netbuilder.ui.files import templates\n"
             "print(json.dumps({'package': netbuilder.__file__, 'resources': str(files('netbuilder.resources')),\n"
             "                  'templates': [str(t.path) for t in templates()], 'text': len(read_text())}))\n")
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path, env=_isolated_env(site))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    inside = str(site.resolve())
    assert seen["package"].startswith(inside) and seen["resources"].startswith(inside)
    assert sorted(Path(p).name for p in seen["templates"]) == [Path(n).name for n in SHIPPED if n.endswith(".nbproj")]
    assert all(p.startswith(inside) for p in seen["templates"])
    assert seen["text"] == len((RESOURCES / "text" / "snippet.txt").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_netbuilder_validate_runs_from_an_installed_copy_on_an_example_it_ships(installed, tmp_path) -> None:
    _, site = installed
    example = site / "netbuilder" / "resources" / "examples" / "cnn_digits.nbproj"
    result = subprocess.run([sys.executable, "-S", "-m", "netbuilder", "validate", str(example)],
                            capture_output=True, text=True, cwd=tmp_path, env=_isolated_env(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout
