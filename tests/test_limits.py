"""Limits before work: files and values that would take the loader minutes, all the
memory or forever are refused with one clear line, in files, --set and the preset list."""

from __future__ import annotations

import os
import textwrap

import pytest

from nnterm.app.cli import main
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import (
    load_preset,
    parse_preset,
    scan_presets,
)
from nnterm.engine.training import commands as cmd
from nnterm.engine.training import memory
from nnterm.engine.training.trainer import Trainer

HEAD = textwrap.dedent("""\
    name: bomb
    title: t
    section: s
    lesson: l
""")


def nested_aliases(levels: int) -> str:
    """A YAML flow mapping of a few hundred characters whose aliases stand for
    10 ** levels values: each list holds ten of the one before."""
    parts = ["a0: &a0 [" + ", ".join(["1"] * 10) + "]"]
    for i in range(1, levels):
        parts.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "{" + ", ".join(parts) + "}"


BOMB = HEAD + f"data: {{name: xor, params: {nested_aliases(9)}}}\n"


def test_an_alias_bomb_is_refused_quickly():
    with pytest.raises(PresetError, match="expands to more than 100,000 values"):
        parse_preset(BOMB, "bomb.yaml")


def test_an_alias_bomb_in_set_is_refused():
    with pytest.raises(PresetError, match="expands to more than"):
        load_preset("xor", [f"data.params={nested_aliases(9)}"])


def test_a_bomb_in_the_user_folder_does_not_break_the_list(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "nnterm" / "presets"
    folder.mkdir(parents=True)
    (folder / "bomb.yaml").write_text(BOMB)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    presets, problems = scan_presets()
    assert "xor" in {p.name for p in presets}
    assert [str(p) for p in problems if "bomb" in str(p)]
    assert main(["list"]) == 0


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(HEAD + "# " + "x" * 1_000_001 + "\n")
    with pytest.raises(PresetError, match="too big for a preset"):
        load_preset(str(big))


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_file_that_is_not_regular_is_refused_without_reading(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)  # opening it to read would block until a writer comes
    else:
        path = tmp_path / "zero.yaml"
        path.symlink_to("/dev/zero")  # reading it would never end
    with pytest.raises(PresetError, match="not a regular file"):
        load_preset(str(path))


def test_a_layer_frozen_twice_is_refused():
    text = HEAD + "model: {hidden: [4], frozen: [0, 0]}\n"
    with pytest.raises(PresetError, match="listed twice") as err:
        parse_preset(text, "f.yaml")
    assert "model.frozen" in str(err.value)


def test_control_characters_in_a_message_stay_on_one_line(capsys):
    assert main(["run", "xor", "--workers", "1", "--set", "model.activation=re\nlu\x1b[31m"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "\\x1b" in err


@pytest.mark.parametrize("settings, key", [
    (["model.hidden=[100000,100000]"], "model.hidden"),
    (["data.n_train=1e9"], "data.n_train"),
    (["data.name=blobs", "data.params={n_classes: 1e8}"], "data.params"),
])
def test_a_run_too_big_for_memory_is_refused_before_allocating(settings, key, capsys,
                                                                monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(8 * 10**9))
    args = [arg for setting in settings for arg in ("--set", setting)]
    assert main(["run", "xor", "--workers", "1", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{key}: this run needs about" in err
    assert "over the limit of 8 GB" in err


def test_max_memory_sets_the_limit(capsys, monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "")  # (as it was is restored after the test)
    assert main(["run", "xor", "--workers", "1", "--max-memory", "1K"]) == 2
    assert "over the limit of 1 kB" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # argparse's own exit for a bad argument
        main(["run", "xor", "--workers", "1", "--max-memory", "lots"])
    assert stop.value.code == 2 and "'lots' is not a size" in capsys.readouterr().err


def test_widening_a_layer_past_the_limit_changes_nothing(monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(10**9))
    trainer = Trainer(load_preset("xor").config)
    before = trainer.config
    with pytest.raises(memory.TooBig, match="this run needs about"):
        trainer.apply(cmd.Set({"model.hidden": (30000, 30000)}))
    assert trainer.config == before


@pytest.mark.parametrize("text, size", [("4G", 4 * 10**9), ("500M", 5 * 10**8),
                                        ("2.5GB", 25 * 10**8), ("1000", 1000)])
def test_sizes_read_as_people_write_them(text, size):
    assert memory.parse_size(text) == size
