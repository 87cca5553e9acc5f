"""The parts of the built terminal that can be checked without building it: --version, resources
found from a bundle's folder, --demo where no service is, the menu entry install.sh writes, the
archive's layout, and the dynamic imports the PyInstaller spec must list.

The bundle itself is tested by scripts/test-bundle.sh (run by .ci/run after a build)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _build_module():
    spec = importlib.util.spec_from_file_location("hdf_pos_build", ROOT / "packaging" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
    )


def test_version_says_version_commit_and_api_version():
    done = subprocess.run(
        [sys.executable, "-m", "pos", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    head = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = done.stdout.splitlines()
    assert lines[0] == "hdf-pos 0.1.0 (sources)"
    assert re.fullmatch(rf"commit : {head}(-modifié)?", lines[1]), lines[1]
    assert lines[2] == "API du service central : version 1.1"


# A process that believes it is the bundle, unpacked at FOLDER (sys.frozen, sys._MEIPASS).
AS_BUNDLE = "import sys; sys.frozen = True; sys._MEIPASS = {folder!r}\n"


def test_in_the_bundle_the_commit_is_the_one_baked_at_build_time(tmp_path):
    code = AS_BUNDLE.format(folder=str(tmp_path)) + (
        "import types; sys.modules['pos._build_info'] = types.SimpleNamespace(COMMIT='abc123')\n"
        "from pos import about; print(about.version_text())"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert "hdf-pos 0.1.0 (application autonome)\ncommit : abc123\n" in done.stdout


def test_resources_and_catalogue_are_found_in_the_bundles_folder(tmp_path):
    """The bundle holds resources/ beside the executable's libraries and built .qm files only
    (no .ts): style, sounds, icon and the English catalogue all come from there."""
    from pos.ui import i18n

    built = i18n.build(tmp_path / "resources" / "translations")
    for part in ("style", "sounds", "icons"):
        shutil.copytree(ROOT / "resources" / part, tmp_path / "resources" / part)
    code = AS_BUNDLE.format(folder=str(tmp_path)) + (
        "from pathlib import Path\n"
        "from pos.ui import i18n, resources\n"
        "print(resources.path('style', 'counter.qss'))\n"
        "print(resources.sound('success'))\n"
        "print(i18n.qm_file('en', Path({cache!r})))\n"
        "print(resources.icon('hdf-pos').isNull())\n"
    ).format(cache=str(tmp_path / "cache"))
    done = _python(code)
    assert done.returncode == 0, done.stderr
    style, sound, qm, null_icon = done.stdout.splitlines()
    assert Path(style) == tmp_path / "resources" / "style" / "counter.qss"
    assert Path(sound) == tmp_path / "resources" / "sounds" / "success.wav"
    assert Path(qm) == built[0]
    assert null_icon == "False"


def test_demo_in_the_bundle_says_why_in_one_sentence_and_exits_1(tmp_path):
    code = AS_BUNDLE.format(folder=str(ROOT)) + (
        "from pos.cli import main\nsys.exit(main(['--demo']))"
    )
    done = _python(code)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Démonstration impossible : cette installation du terminal ne contient pas le service "
        "central de démonstration (lancez ./run.sh depuis les sources du projet)."
    )
    assert "Traceback" not in done.stderr


def test_demo_is_available_from_the_source_tree():
    from pos import about

    assert about.demo_available()


@pytest.fixture
def fake_bundle(tmp_path):
    """A bundle folder as build.py lays it out, whose `hdf-pos` is a small script."""
    bundle = tmp_path / "Caisse du magasin" / "hdf-pos"  # a space in the path, on purpose
    bundle.mkdir(parents=True)
    exe = bundle / "hdf-pos"
    exe.write_text('#!/bin/sh\necho "hdf-pos lancé $*"\n')
    exe.chmod(0o755)
    # In a process of its own: the icons are drawn with a QGuiApplication, which would stand in
    # the way of the QApplication the window tests need.
    done = _python(
        f"import sys; from pathlib import Path; sys.path.insert(0, {str(ROOT / 'packaging')!r})\n"
        "import build\n"
        f"icons = build.render_icons(Path({str(tmp_path / 'icons')!r}))\n"
        f"build.add_desktop_files(Path({str(bundle)!r}), icons)\n"
    )
    assert done.returncode == 0, done.stderr
    return bundle


def test_install_sh_puts_a_valid_entry_and_icon_in_the_menu(fake_bundle, tmp_path):
    home = tmp_path / "home"
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    done = subprocess.run(
        [str(fake_bundle / "install.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    entry = home / ".local" / "share" / "applications" / "hdf-pos.desktop"
    fields = dict(
        line.split("=", 1) for line in entry.read_text(encoding="utf-8").splitlines() if "=" in line
    )
    assert fields["Exec"] == f'"{fake_bundle}/hdf-pos"'  # quoted: the folder has a space
    assert fields["Icon"] == "hdf-pos" and fields["Terminal"] == "false"
    assert fields["Name"] == "Terminal Génération #HDF"
    for size in (16, 48, 256):
        png = home / ".local/share/icons/hicolor" / f"{size}x{size}" / "apps" / "hdf-pos.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # What the menu runs (the quoted Exec, unquoted as a launcher does) starts the terminal.
    ran = subprocess.run([fields["Exec"].strip('"')], capture_output=True, text=True)
    assert ran.stdout.strip() == "hdf-pos lancé"
    link = home / ".local" / "bin" / "hdf-pos"
    assert link.resolve() == (fake_bundle / "hdf-pos").resolve()
    validator = shutil.which("desktop-file-validate")
    if validator:  # Debian's desktop-file-utils
        checked = subprocess.run([validator, str(entry)], capture_output=True, text=True)
        assert checked.returncode == 0 and checked.stdout == "", checked.stdout

    undone = subprocess.run(
        [str(fake_bundle / "install.sh"), "--uninstall"], env=env, capture_output=True, text=True
    )
    assert undone.returncode == 0, undone.stderr
    assert not entry.exists() and not link.exists()


def test_install_sh_refuses_an_unknown_option(fake_bundle, tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [str(fake_bundle / "install.sh"), "--everyone"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "option inconnue « --everyone »" in done.stderr
    assert not (tmp_path / "home" / ".local" / "share" / "applications").exists()


def test_archive_name_and_layout(tmp_path):
    build = _build_module()
    assert (
        build.archive_name("0.1.0", "linux-x86_64", windows=False)
        == "hdf-pos-0.1.0-linux-x86_64.tar.gz"
    )
    assert build.archive_name("0.1.0", "windows-x86_64", windows=True) == (
        "hdf-pos-0.1.0-windows-x86_64.zip"
    )
    bundle = tmp_path / "dist" / "hdf-pos"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "hdf-pos").write_text("#!/bin/sh\n")
    (bundle / "hdf-pos").chmod(0o755)
    (bundle / "_internal" / "lib.so").write_bytes(b"x")
    tgz = build.make_archive(bundle, tmp_path / "a.tar.gz")
    with tarfile.open(tgz) as archive:
        member = archive.getmember("hdf-pos/hdf-pos")
        assert member.mode & stat.S_IXUSR  # still executable once unpacked
        assert {m.name.split("/")[0] for m in archive.getmembers()} == {"hdf-pos"}
    zipped = build.make_archive(bundle, tmp_path / "a.zip")
    with zipfile.ZipFile(zipped) as archive:
        assert "hdf-pos/_internal/lib.so" in archive.namelist()


def test_the_spec_lists_every_module_imported_by_name():
    """PyInstaller follows `import x`, not `importlib.import_module("x")`: each module the
    terminal imports by name must be in the spec (pos.* comes in whole via collect_submodules)."""
    spec = (ROOT / "packaging" / "hdf-pos.spec").read_text(encoding="utf-8")
    assert 'collect_submodules("pos"' in spec
    by_name = set()
    for path in (ROOT / "pos").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        by_name |= set(re.findall(r"import_module\(\s*\"([\w.]+)\"", text))
        by_name |= set(re.findall(r"_import\(\s*[\w.]+,\s*\"([\w.]+)\"", text))
    assert "pos.scanner.cli" in by_name and "pyzbar.pyzbar" in by_name
    missing = {m for m in by_name if not m.startswith("pos.") and f'"{m}"' not in spec}
    assert missing == set()


def test_every_window_gets_the_terminals_icon():
    code = (
        "from pos.ui.app import make_application\n"
        "app = make_application()\n"
        "icon = app.windowIcon()\n"
        "print(icon.isNull(), icon.pixmap(48, 48).isNull(), app.desktopFileName())\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "hdf-pos"]
