"""The headless command line: list, run (progress, metrics files, overrides), check, and
clear errors with exit status 2 for bad input."""

from __future__ import annotations

import csv
import json
import re
import textwrap

import pytest

from nnterm.app.cli import main
from nnterm.engine.process.worker_server import cores

TINY = textwrap.dedent("""\
    name: tiny
    title: A tiny moons run
    section: "0. Test"
    lesson: |
      Just a test.
    data: {name: moons, n_train: 64, n_val: 64, noise: 0.1}
    model: {hidden: [8], activation: tanh}
    train:
      steps: 60
      batch_size: 16
      optimizer: {name: adam, lr: 0.05}
      log_every: 20
    compare:
      slow: {train.optimizer.lr: 0.0001}
    expect:
      - {metric: train_loss, op: "<", than: {at: 0, factor: 0.9}}
      - {metric: train_loss, run: slow, op: "<", value: 0.0001}
""")


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_run_writes_jsonl_records_and_summaries(tiny, tmp_path, capsys):
    out = tmp_path / "m.jsonl"
    assert main(["run", str(tiny), "--metrics", str(out), "--seed", "3"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    records = [r for r in rows if not r.get("summary")]
    summaries = [r for r in rows if r.get("summary")]
    assert [r["step"] for r in records if r["run"] == "base"] == [0, 20, 40, 60]
    assert {r["run"] for r in records} == {"base", "slow"}
    for key in ("epoch", "train_loss", "val_loss", "train_acc", "val_acc", "lr", "grad_norm",
                "dead_frac"):
        assert key in records[-1]
    assert len(records[-1]["grad_norm"]) == 2 and len(records[-1]["dead_frac"]) == 1
    assert [s["run"] for s in summaries] == ["base", "slow"]
    assert summaries[0]["final"]["step"] == 60
    printed = capsys.readouterr().out  # two runs, in a pool of one worker per core
    assert f"2 runs on {cores()} local worker processes" in printed
    assert "metrics written" in printed
    assert "base: finished at step 60" in printed


def test_run_says_each_root_cause_with_what_it_explains(tiny, tmp_path, capsys):
    """A ReLU layer dead from step 0: the table names dead_relu and folds the rest under
    it; the summary line gives each diagnosis's cause."""
    out = tmp_path / "m.jsonl"
    assert main(["run", str(tiny), "--workers", "1", "--steps", "120", "--metrics", str(out),
                 "--set", "model.hidden=[8, 8]", "--set", "model.activation=relu",
                 "--set", "model.init={scheme: he_normal, bias: -5.0}"]) == 0
    assert "dead_relu (→ flat_loss, vanishing_gradients)" in capsys.readouterr().out
    summary = next(json.loads(line) for line in out.read_text().splitlines()
                   if '"summary": true' in line)
    assert [(d["name"], d["cause"]) for d in summary["diagnoses"]] == [
        ("dead_relu", ""), ("flat_loss", "dead_relu"), ("vanishing_gradients", "dead_relu")]


def test_one_worker_trains_in_this_process_with_progress_lines(tiny, capsys):
    assert main(["run", str(tiny), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "base: 60 steps" in printed and "base: step 60/60" in printed


def test_run_with_overrides_and_csv(tiny, tmp_path):
    out = tmp_path / "m.csv"
    assert main(["run", str(tiny), "--steps", "40", "--set", "train.optimizer.lr=0.02",
                 "--set", "model.hidden=[4, 4]", "--metrics", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    base = [r for r in rows if r["run"] == "base"]
    assert [int(r["step"]) for r in base] == [0, 20, 40]
    assert float(base[0]["lr"]) == 0.02
    assert len(json.loads(base[0]["grad_norm"])) == 3


def test_check_reports_each_claim_and_fails_when_one_fails(tiny, capsys):
    assert main(["check", str(tiny), "--seed", "0"]) == 1
    out = capsys.readouterr().out
    assert len(re.findall(r"\bpass\b", out)) == 1 and out.count("FAIL") == 1
    assert "1 claim passed, 1 failed (1 preset, 2 runs)" in " ".join(out.split())


def test_check_over_seeds_lists_the_failures_and_a_line_per_preset(tiny, capsys):
    assert main(["check", str(tiny), "--seed", "0", "1", "2"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert out.count("FAIL") == 3 and not re.findall(r"\bpass\b", out)  # failures only
    assert "claims by preset and seed" in out
    assert "0 of 3" in out and "0-2: train_loss of slow" in out
    assert "3 claims passed, 3 failed (1 preset, 6 runs)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no_such_preset"], "no_such_preset"),
        (["run", "{bad}", "--steps", "0"], "--steps"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_broken_file_names_its_line(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(TINY.replace("lr: 0.05", "lr: fast"))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml:11" in err and "train.optimizer.lr" in err and "fast" in err


def test_bad_override_is_named(tiny, capsys):
    assert main(["run", str(tiny), "--set", "model.activation=swish"]) == 2
    err = capsys.readouterr().err
    assert "model.activation" in err and "swish" in err and "relu" in err


def test_the_app_refuses_an_unknown_theme_or_fps(capsys):
    assert main(["xor", "--theme", "no-such-theme"]) == 2
    err = capsys.readouterr().err
    assert "--theme" in err and "textual-dark" in err
    assert main(["xor", "--fps", "0"]) == 2
    assert "--fps" in capsys.readouterr().err


@pytest.mark.parametrize("speed", ["0", "-3", "fast", "inf", "nan"])
def test_the_app_refuses_a_speed_that_is_not_one(speed, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["xor", "--speed", speed])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--speed" in err and "not a speed" in err and "Traceback" not in err


def test_list_shows_the_presets_in_course_order_one_line_each(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]  # (a pipe here: plain rows)
    names = [line.split()[0] for line in lines]
    assert len(names) == len(set(names)) >= 23 and names[0] == "playground"
    sections = [int(line.split()[1].rstrip(".")) for line in lines]
    assert sections == sorted(sections)  # 0. Playground, 1. ..., 10. Scaling laws
    assert names.index("xor") < names.index("init_zero") < names.index("scaling_laws")


def test_piped_tables_are_plain_rows_with_every_cell_whole(tiny, capsys):
    assert main(["run", str(tiny), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out and "│" not in out
    row = next(line for line in out.splitlines() if line.startswith("slow "))
    assert "finished" in row.split()  # one line, every column of the run


def test_help_shows_the_apps_options_and_the_headless_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--fps", "--theme", "--seed", "--set", "--speed", "--paused"):
        assert option in out
    for command in ("list", "run", "check"):
        assert f"  {command}  " in out


# ---------------------------------------------------------------------------- in a pipe
def test_piped_output_has_no_spaces_at_the_end_of_a_line(tiny, capsys):
    for argv in (["run", str(tiny), "--workers", "1"], ["check", str(tiny), "--seed", "0"],
                 ["list"]):
        main(argv)
        out = capsys.readouterr().out
        assert out.count("\n") > 3
        assert [line for line in out.splitlines() if line != line.rstrip()] == [], argv


def test_run_says_accuracies_in_percent_as_the_app_does(tiny, capsys):
    assert main(["run", str(tiny), "--workers", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:8] == ["run", "step", "train", "loss", "val", "loss", "train",
                                    "acc"] for line in lines if line)
    base = next(line.split() for line in lines if line.startswith("base "))
    assert all(re.fullmatch(r"\d+(\.\d+)?%", cell) for cell in base[4:6]), base  # accuracies


@pytest.mark.parametrize("command", ["run", "check", "serve", "list"])
def test_an_unknown_option_prints_the_commands_own_usage(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "xor", "--frobnicate"] if command == "run" else [command, "--frobnicate"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: nnterm {command} ")
    assert f"nnterm {command}: error: unrecognized arguments: --frobnicate" in err


def test_preset_names_match_whatever_their_case(capsys):
    assert main(["run", "XOR", "--steps", "2", "--workers", "1"]) == 0
    assert "xor (seed 0)" in capsys.readouterr().out
    assert main(["run", "XORR"]) == 2
    assert "unknown preset 'XORR'; did you mean 'xor'?" in capsys.readouterr().err
