"""The answers file (``--answers``) and ``nnterm answers``: lines appended whole, a
directory giving each app a file of its own, a class summary as a table or JSON, and a
corrupt line reported with its file and line number and skipped, nothing else lost."""

from __future__ import annotations

import json

from nnterm.app import serve
from nnterm.app.answers_file import Answer, AnswersFile, read_answers
from nnterm.app.cli import build_parser, main

Q1, Q2 = "Which run reaches 100%?", "Will linear get there?"


def write(path, *answers: Answer) -> None:
    out = AnswersFile(path)
    for a in answers:
        out.append(a)


def answer(choice: str, correct: bool, question: str = Q1, step: int = 1) -> Answer:
    return Answer("xor", step, question, choice, correct, 3.5)


def test_answers_are_appended_and_read_back(tmp_path):
    path = tmp_path / "a.jsonl"
    write(path, answer("a", True))
    write(path, answer("b", False))  # another session: appended, not replaced
    assert read_answers([path]) == ([answer("a", True), answer("b", False)], [])


def test_a_directory_gives_each_app_a_file_of_its_own(tmp_path):
    out = AnswersFile(tmp_path)
    assert out.path.parent == tmp_path and out.path.suffix == ".jsonl"
    out.append(answer("a", True))
    assert read_answers(list(tmp_path.iterdir()))[0] == [answer("a", True)]


def test_a_corrupt_line_is_reported_with_its_number_and_skipped(tmp_path):
    path = tmp_path / "class.jsonl"
    write(path, answer("a", True))
    with path.open("a") as out:
        out.write('{"preset": "xor", "step": 1, "quest\n')  # cut short
        out.write(json.dumps({**answer("b", True).__dict__, "correct": "yes"}) + "\n")
        out.write("\n")
    write(path, answer("c", False))
    answers, problems = read_answers([path, tmp_path / "missing.jsonl"])
    assert answers == [answer("a", True), answer("c", False)]
    assert problems[0].startswith(f"{path}:2: ") and problems[0].endswith("line skipped")
    assert problems[1] == f'{path}:3: correct is "yes"; line skipped'
    assert problems[2].startswith(f"{tmp_path / 'missing.jsonl'}: cannot be read")


def test_nnterm_answers_prints_a_table_per_question(tmp_path, capsys):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    write(one, answer("a", True), answer("y", True, Q2, 2))
    write(two, answer("b", False), answer("a", True))
    two.open("a").write("not json\n")
    assert main(["answers", str(one), str(two)]) == 0
    out, err = capsys.readouterr()
    rows = [line.split() for line in out.splitlines() if line.startswith("xor")]
    assert rows[0][:2] == ["xor", "1"] and rows[0][-6:] == ["3", "a:", "2,", "b:", "1", "2/3"]
    assert rows[1][:2] == ["xor", "2"] and rows[1][-4:] == ["1", "y:", "1", "1/1"]
    assert f"{two}:3: " in err


def test_nnterm_answers_json_is_one_object_per_question(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    write(path, answer("a", True), answer("b", False), answer("a", True))
    assert main(["answers", str(path), "--json"]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    assert summary == {"preset": "xor", "step": 1, "question": Q1, "answers": 3,
                       "right": 2, "chose": {"a": 2, "b": 1}}


def test_nothing_readable_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text("[1, 2]\n")
    assert main(["answers", str(path)]) == 2
    assert f"{path}:1: not a JSON object; line skipped" in capsys.readouterr().err


def test_an_answers_file_that_cannot_be_written_exits_2(tmp_path, capsys):
    assert main(["xor", "--answers", str(tmp_path / "no" / "a.jsonl")]) == 2
    assert "--answers: " in capsys.readouterr().err


def test_serve_gives_each_tab_the_answers_folder(tmp_path, capsys):
    folder = tmp_path / "class"
    args = build_parser().parse_args(["serve", "xor", "--lesson", "--answers", str(folder)])
    assert serve.app_argv(args) == ["xor", "--lesson", "--answers", str(folder),
                                    "--shared-server"]
    assert serve.answers_folder(str(folder)).is_dir()
    (tmp_path / "file").write_text("")
    assert main(["serve", "xor", "--answers", str(tmp_path / "file")]) == 2
    assert "--answers: " in capsys.readouterr().err
