"""Where presets come from: a path, then the user's folder, then the built-ins."""

from __future__ import annotations

import logging
import os
import pwd
from pathlib import Path

import pytest
from preset_texts import HEAD

from nnterm.app.file_actions import screenshot_dir
from nnterm.engine.preset_format.catalog import catalog
from nnterm.engine.preset_format.loader import (
    PresetError,
    list_presets,
    load_preset,
    scan_presets,
    user_preset_dir,
)


def write_preset(folder: Path, name: str, title: str = "T", body: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\ntitle: {title}\nsection: S\nlesson: L\n{body}")
    return path


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A fake built-in folder and an XDG user folder: (builtin dir, user dir)."""
    from nnterm.engine.preset_format import finding

    builtin = tmp_path / "builtin"
    builtin.mkdir()
    monkeypatch.setattr(finding, "builtin_files",
                        lambda: {p.stem: p for p in builtin.glob("*.yaml")})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return builtin, tmp_path / "config" / "nnterm" / "presets"


def test_a_path_wins_then_the_user_folder_then_the_builtins(places, tmp_path, monkeypatch):
    builtin, user = places
    write_preset(builtin, "xor", "built-in")
    write_preset(builtin, "moons", "built-in moons")
    write_preset(user, "xor", "mine")
    assert load_preset("xor").title == "mine"
    assert load_preset("moons").title == "built-in moons"
    assert load_preset("moons").source == "presets/moons.yaml"
    monkeypatch.chdir(tmp_path)
    write_preset(tmp_path, "xor", "here")
    assert load_preset("xor.yaml").title == "here"
    assert load_preset("./xor.yaml").title == "here"
    assert load_preset(tmp_path / "xor.yaml").title == "here"
    err = error_of_load("xr")
    assert "unknown preset 'xr'; did you mean 'xor'?" in str(err)
    assert err.allowed == "moons, xor"


def test_listing_skips_and_reports_broken_presets(places, caplog):
    builtin, user = places
    write_preset(builtin, "xor", "built-in")
    write_preset(builtin, "moons")
    write_preset(user, "xor", "mine")
    write_preset(user, "broken", body="model: {hidden: [0]}\n")
    write_preset(user, "bad name")
    (user / "binary.yaml").write_bytes(b"\xff\xfe")
    presets, errors = scan_presets()
    assert [(p.name, p.title) for p in presets] == [("moons", "T"), ("xor", "mine")]
    assert sorted(str(e).split(":")[0].rsplit("/", 1)[-1] for e in errors) == [
        "bad name.yaml", "binary.yaml", "broken.yaml"]
    with caplog.at_level(logging.WARNING):
        assert list_presets() == presets
    assert sum("skipped a broken preset" in r.message for r in caplog.records) == 3


def listed(presets) -> list[tuple[str, str, str]]:
    return [(p.name, p.section, p.title) for p in presets]


def test_the_catalog_lists_the_built_in_presets_as_the_loader_does():
    presets, errors = scan_presets()
    entries, problems = catalog()
    assert len(entries) >= 23 and (problems, errors) == ([], [])
    assert listed(entries) == listed(presets)


def test_the_catalog_loads_the_users_presets_whole(places):
    """A user's preset shadows a built-in one, a broken one is skipped with the loader's
    own error, and the list comes in course order whoever wrote the preset."""
    builtin, user = places
    write_preset(builtin, "xor", "built-in")
    write_preset(builtin, "moons", "built-in moons")
    write_preset(user, "xor", "mine")
    (user / "late.yaml").write_text("name: late\ntitle: Late\nsection: 10. Ten\nlesson: L\n")
    write_preset(user, "broken", body="model: {hidden: [0]}\n")
    write_preset(user, "bad name")
    presets, errors = scan_presets()
    entries, problems = catalog()
    assert listed(entries) == listed(presets)
    assert [e.name for e in entries] == ["late", "moons", "xor"] and entries[2].title == "mine"
    assert [str(e) for e in problems] == [str(e) for e in errors] and len(problems) == 2


def test_the_user_folder_defaults_to_dot_config(places, tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write_preset(tmp_path / "home" / ".config" / "nnterm" / "presets", "mine")
    assert load_preset("mine").name == "mine"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert load_preset("mine").name == "mine"


def test_missing_files_and_directories(tmp_path):
    with pytest.raises(PresetError, match="no such file"):
        load_preset(tmp_path / "nope.yaml")
    with pytest.raises(PresetError, match="is a directory"):
        load_preset(tmp_path)
    with pytest.raises(PresetError, match=r"^nope\.yaml: no such file"):
        load_preset("nope.yaml")
    with pytest.raises(PresetError, match="neither a preset name nor a .yaml path"):
        load_preset("two words")


def test_a_preset_found_by_name_must_carry_that_name(tmp_path, monkeypatch):
    folder = tmp_path / "nnterm" / "presets"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(HEAD)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    err = error_of_load("mine")
    assert (err.key, err.line) == ("name", 1)
    assert "'t' differs from the file name 'mine'" in str(err)
    assert load_preset(folder / "mine.yaml").name == "t"  # a path may say any name


def error_of_load(source) -> PresetError:
    with pytest.raises(PresetError) as info:
        load_preset(source)
    return info.value


def test_a_name_matches_whatever_its_case(places):
    builtin, user = places
    write_preset(builtin, "xor", "built-in")
    write_preset(user, "My_Lesson", "mine")
    assert load_preset("XOR").name == "xor"
    assert load_preset("my_lesson").name == "My_Lesson"
    assert load_preset("MY_LESSON").title == "mine"
    assert "did you mean 'xor'?" in str(error_of_load("XORR"))
    write_preset(user, "Xor", "mine too")  # two names that differ only in case
    assert load_preset("xor").title == "built-in" and load_preset("Xor").title == "mine too"
    assert "'XOR' could be any of Xor, xor" in str(error_of_load("XOR"))


def test_the_suite_never_looks_in_the_users_own_folders():
    """A preset saved in the real ~/.config/nnterm/presets must not join the presets the
    tests go through (conftest gives each test process a home of its own)."""
    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()
    assert not user_preset_dir().resolve().is_relative_to(real_home)
    assert not screenshot_dir().resolve().is_relative_to(real_home)
