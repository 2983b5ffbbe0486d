"""What the keys act on: the runs once the engine has taken every command sent
(``live.expectation``), and the command numbers that tell which commands a snapshot
reflects (``Session.send``, ``Snapshot.commands_taken``)."""

from __future__ import annotations

import threading

import pytest
from session_waits import CONFIG, TIMEOUT, snapshot_where

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import Expectation, RunsState, RunState, expect
from nnterm.engine.live.sessions import open_session
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import with_changes

SLOW = with_changes(CONFIG, {"train.optimizer.lr": 0.01})


def two_runs() -> RunsState:
    return RunsState((RunState("base", CONFIG, 50, "training", False),
                      RunState("slow", SLOW, 50, "training", False)), "base")


def lr(state: RunsState, name: str) -> float:
    return state[name].config.train.optimizer.lr


def test_sets_pile_up_on_what_the_last_one_left():
    state = two_runs()
    for value in (0.3, 1.0):
        state = expect(state, rc.SetEach({"base": {"train.optimizer.lr": value}}))
    assert lr(state, "base") == 1.0 and lr(state, "slow") == 0.01
    state = expect(state, cmd.Set({"train.optimizer.momentum": 0.9}))  # every run
    assert {state[n].config.train.optimizer.momentum for n in state.names} == {0.9}
    state = expect(state, rc.ToRuns(cmd.Set({"train.optimizer.lr": 3.0}), ("slow",)))
    assert lr(state, "slow") == 3.0 and lr(state, "base") == 1.0


def test_a_change_the_engine_would_refuse_changes_no_run():
    state = two_runs()
    refused = rc.SetEach({"base": {"train.optimizer.lr": 0.5},
                          "slow": {"train.optimizer.speed": 2}})  # all or nothing
    assert expect(state, refused) == state
    assert expect(state, rc.SelectRun("nobody")) == state
    assert expect(state, cmd.Set({"no.such.setting": 1})) == state


def test_a_restarting_change_starts_the_run_over_and_a_live_one_does_not():
    state = two_runs()
    wider = expect(state, rc.ToRuns(cmd.Set({"model.hidden": (4,)}), ("base",)))
    assert wider["base"].step == 0 and wider["slow"].step == 50
    faster = expect(state, rc.ToRuns(cmd.Set({"train.optimizer.lr": 0.5}), ("base",)))
    assert faster["base"].step == 50


def test_more_steps_for_a_finished_run_set_it_training_again():
    done = RunsState((RunState("base", CONFIG, CONFIG.train.steps, "finished", False),),
                     "base")
    more = expect(done, cmd.Set({"train.steps": CONFIG.train.steps + 10}))
    assert more.current.status == "training"


def test_pause_resume_selection_copies_and_removals():
    state = two_runs()
    state = expect(state, rc.ToRuns(cmd.Pause(), ("slow",)))
    assert (state["base"].paused, state["slow"].paused) == (False, True)
    state = expect(state, cmd.StepOnce())
    assert state["base"].paused
    state = expect(expect(state, rc.SelectRun("slow")), cmd.Resume())
    assert state.selected == "slow" and not state["base"].paused
    state = expect(state, rc.DuplicateRun("slow", "slow+"))
    assert state.names == ("base", "slow", "slow+") and state.selected == "slow+"
    assert state["slow+"].config == SLOW
    state = expect(state, rc.RemoveRun("slow+"))
    assert state.names == ("base", "slow") and state.selected == "slow"
    state = expect(expect(state, rc.RemoveRun("base")), rc.RemoveRun("slow"))
    assert state.names == ("slow",)  # the last run stays, as the engine keeps it


def test_reseed_and_reset():
    state = expect(two_runs(), cmd.Reseed())
    assert state["base"].config.seed == CONFIG.seed + 1 and state["base"].step == 0
    assert expect(two_runs(), cmd.Reset())["slow"].step == 0


@pytest.mark.parametrize("in_process", [True, False])
def test_snapshots_count_the_commands_taken_and_keys_replay_the_rest(in_process):
    s = open_session(CONFIG, in_process=in_process)
    expectation = Expectation()
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    try:
        first = snapshot_where(s, lambda x: x is not None)
        assert first.commands_taken == 0
        numbers = []
        for value in (0.3, 1.0):
            command = cmd.Set({"train.optimizer.lr": value})
            numbers.append(s.send(command))
            expectation.sent(numbers[-1], command)
        assert numbers == [1, 2] and s.commands_sent == 2
        # on the snapshot from before either command, the keys see both
        assert expectation.state(first).current.config.train.optimizer.lr == 1.0
        last = snapshot_where(s, lambda x: x.commands_taken == 2)
        assert last.config.train.optimizer.lr == 1.0
        assert expectation.state(last).current.config == last.config

        # a restarted engine drops what was queued for the old one: counted as taken
        s.restart()  # the session's own config: the lr edits were the old engine's
        snapshot_where(s, lambda x: x.config == CONFIG and x.commands_taken == 2)
        assert s.send(cmd.Pause()) == 3
        assert snapshot_where(s, lambda x: x.commands_taken == 3).paused
    finally:
        s.close()
        thread.join(TIMEOUT)
