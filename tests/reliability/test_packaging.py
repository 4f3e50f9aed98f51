"""Desktop packaging: the .desktop entry, AppStream metainfo, MIME type, icons and the PyInstaller spec."""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / "netbuilder.desktop"
METAINFO = PACKAGING / "io.github.netbuilder.Netbuilder.metainfo.xml"
MIME = PACKAGING / "netbuilder-mime.xml"
SPEC = PACKAGING / "netbuilder.spec"
ICONS = ROOT / "resources" / "icons"
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
    assert '(str(ROOT / "resources"), "resources")' in text
    assert "exclude_binaries=True" in text and "COLLECT(" in text  # one folder, not one file
