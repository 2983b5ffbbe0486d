"""Writes never crash the app and never destroy data: atomic replacement, no writing
through symlinks, old metrics kept when a run fails, outputs that would overwrite an
input refused, and the app's save keys reporting failures while training goes on."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import notifications_shown, settled

from nnterm.app.app import NntermApp
from nnterm.app.cli import main
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import load_preset, save_preset
from nnterm.engine.training.metrics_io import MetricsWriter
from nnterm.engine.training.safe_files import AtomicWriter, UnsafePath, write_atomic


def leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_write_atomic_replaces_the_file_whole(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new" and not leftovers(tmp_path)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and not leftovers(tmp_path)


@pytest.mark.parametrize("dangling", [True, False])
def test_a_symlink_is_never_written_through(tmp_path, dangling):
    outside = tmp_path / "outside.txt"
    if not dangling:
        outside.write_text("precious")
    link = tmp_path / "link.yaml"
    link.symlink_to(outside)
    with pytest.raises(UnsafePath, match="symbolic link"):
        write_atomic(link, "data")
    assert link.is_symlink() and not leftovers(tmp_path)
    assert (outside.read_text() == "precious") if not dangling else not outside.exists()


def test_an_interrupted_writer_keeps_what_was_written_an_error_keeps_the_old(tmp_path):
    target = tmp_path / "m.jsonl"
    target.write_text("old\n")
    with pytest.raises(ValueError), AtomicWriter(target) as out:
        out.write("half\n")
        raise ValueError("the run failed")
    assert target.read_text() == "old\n"
    with pytest.raises(KeyboardInterrupt), AtomicWriter(target) as out:
        out.write("measured so far\n")
        raise KeyboardInterrupt
    assert target.read_text() == "measured so far\n" and not leftovers(tmp_path)


def test_a_failing_run_leaves_the_old_metrics(tmp_path):
    target = tmp_path / "m.jsonl"
    target.write_text('{"old": true}\n')
    with pytest.raises(RuntimeError), MetricsWriter(target):
        raise RuntimeError("diverged in a bad way")
    assert target.read_text() == '{"old": true}\n'


def test_metrics_or_plot_onto_the_preset_itself_is_refused(tmp_path, capsys):
    preset = tmp_path / "mine.yaml"
    shipped = Path(load_preset("xor").source).read_text()
    preset.write_text(shipped.replace("name: xor", "name: mine", 1))
    before = preset.read_text()
    assert main(["run", str(preset), "--metrics", str(preset), "--workers", "1"]) == 2
    assert "is the preset being run" in capsys.readouterr().err
    assert preset.read_text() == before


def test_save_preset_refuses_a_link_and_says_why(tmp_path):
    link = tmp_path / "xor_saved.yaml"
    link.symlink_to(tmp_path / "elsewhere" / "x.yaml")
    with pytest.raises(PresetError, match="symbolic link"):
        save_preset(load_preset("xor"), link)
    assert not (tmp_path / "elsewhere").exists()


def test_fps_must_be_a_number_above_zero(capsys):
    assert main(["xor", "--fps", "nan"]) == 2
    assert "--fps" in capsys.readouterr().err


@pytest.mark.asyncio
async def test_save_keys_report_failures_and_training_goes_on(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(not_a_folder))  # presets go under a file
    app = NntermApp(load_preset("xor"), in_process=True,
                    screenshot_folder=not_a_folder / "shots")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s is not None)
        await pilot.press("S", "s")
        await pilot.pause()
        messages = notifications_shown(app)
        assert any(m.startswith("cannot save the preset") for m in messages)
        assert any(m.startswith("cannot write a screenshot") for m in messages)
        assert app.is_running and app.main_view.live.session.alive


@pytest.mark.asyncio
async def test_a_screenshot_goes_to_its_folder_and_says_where(tmp_path):
    app = NntermApp(load_preset("xor"), in_process=True, screenshot_folder=tmp_path / "shots")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s is not None)
        await pilot.press("s")
        await pilot.pause()
        (shot,) = (tmp_path / "shots").iterdir()
        assert shot.suffix == ".svg" and shot.read_text().startswith("<svg")
        assert re.fullmatch(r"xor_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d", shot.stem)  # the lesson's name
        assert app.query_one(KeysFooter).said.words.plain == f"Screenshot: saved {shot}"
