"""Runs in a pool: the same results whatever runs them (this process, local workers, a
Dask cluster), cancellation that leaves no process behind, clear errors for executors
that cannot be used, and the command line's pool options."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Executor, Future

import pytest
from csv_tables import preset_file, two_class_rows, write_table

from nnterm.app.cli import main
from nnterm.engine.experiments.executors import ExecutorError, open_pool
from nnterm.engine.experiments.experiment import preset_jobs, run_preset
from nnterm.engine.experiments.job_cost import job_cost
from nnterm.engine.experiments.pool import WORKER_NICENESS, PointPool, local_pool
from nnterm.engine.preset_format.loader import PresetError, load_preset
from nnterm.engine.process import worker_server

#: Processes, signals and ports of their own: run one at a time (tests/conftest.py).
pytestmark = pytest.mark.serial

SWEEP = textwrap.dedent("""\
    name: small_sweep
    title: A small width sweep
    section: "0. Test"
    lesson: |
      Just a test.
    seed: 3
    data: {name: moons, n_train: 64, n_val: 64, noise: 0.2}
    model: {hidden: [4], activation: tanh}
    train: {steps: 40, batch_size: 16, optimizer: {name: adam, lr: 0.05}, log_every: 10}
    compare:
      relu: {model.activation: relu}
    sweep:
      model.hidden: [[2], [4], [8]]
    view: {sweep_x: n_params, sweep_log: both, sweep_fit: true}
""")


@pytest.fixture
def sweep_file(tmp_path):
    path = tmp_path / "small_sweep.yaml"
    path.write_text(SWEEP)
    return path


def as_json(result) -> list:
    """Everything a result holds but the time each run took."""
    return [(r.label, r.status, r.n_params, [rec.to_json() for rec in r.records])
            for r in result]


def test_a_local_pool_gives_the_same_results_as_this_process(sweep_file):
    preset = load_preset(str(sweep_file))
    here = run_preset(preset)
    with local_pool(2) as pool:
        seen = []
        pooled = run_preset(preset, pool=pool, on_result=lambda r: seen.append(r.label))
    assert as_json(pooled) == as_json(here)
    assert sorted(seen) == sorted(r.label for r in here) and len(seen) == 6


def metrics_lines(path) -> list[dict]:
    """The metrics file's lines without the seconds a run took."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        line.pop("seconds", None)
    return lines


def test_the_metrics_file_is_identical_for_one_worker_two_workers_dask_and_ray(
        sweep_file, tmp_path):
    files = {}
    for name, options in (("one", ["--workers", "1"]), ("two", ["--workers", "2"]),
                          ("dask", ["--workers", "2", "--executor", "dask"]),
                          ("ray", ["--workers", "2", "--executor", "ray"])):
        files[name] = tmp_path / f"{name}.jsonl"
        assert main(["run", str(sweep_file), "--metrics", str(files[name]), *options]) == 0
    one = metrics_lines(files["one"])
    assert len(one) == 6 * 5 + 6  # five logged steps and a summary line per run
    for name in ("two", "dask", "ray"):
        assert metrics_lines(files[name]) == one, name


def long_jobs():
    preset = load_preset("scaling_laws")
    return preset_jobs(preset, steps=10**7)


def test_cancelling_a_pool_stops_running_jobs_and_leaves_no_process():
    pool = local_pool(2)
    jobs = long_jobs()
    for job in jobs:
        pool.submit(job)
    deadline = time.monotonic() + 60
    running: set[str] = set()
    while len(running) < 2 and time.monotonic() < deadline:
        running |= {r.label for r in pool.progress_updates()}
        time.sleep(0.05)  # waiting for the workers' reports, not standing in for them
    assert len(running) == 2, "both workers should be training"
    children = multiprocessing.active_children()
    assert len(children) >= 2
    pool.close()
    assert not any(child.is_alive() for child in children)
    assert all(future.done() for future in pool._futures)


def test_a_pool_closes_when_nobody_read_its_progress_reports(sweep_file):
    """Thousands of unread reports (more than a pipe holds) must not hang the workers'
    exit, as they did at the end of `nnterm check --seed 0 ... 20`."""
    jobs = preset_jobs(load_preset(str(sweep_file)), steps=1) * 100  # 600 reports, ~94 KB
    pool = local_pool(1)
    for job in jobs:
        pool.submit(job)
    assert all(future.result().status == "finished" for future in pool._futures)
    closing = threading.Thread(target=pool.close, daemon=True)
    closing.start()
    closing.join(timeout=120)  # a hang guard: it takes well under a second
    assert not closing.is_alive(), "the pool's workers hung at exit"


def test_the_longest_runs_go_first_long_runs_of_small_nets_too():
    """scaling_laws_compute trades width for steps at a fixed compute: its narrowest net
    takes 4,340 steps and ten times the time of the widest (76 steps), though it has
    fewer multiply-adds in all; scaling_laws' runs have the same steps, the widest first,
    and at each width the run on 8-D inputs (``dim8``) before the one on 2-D inputs: it
    costs more (ordered as equals, every ``dim8`` run went to one worker)."""
    def order(name):
        jobs = preset_jobs(load_preset(name))
        return [j.label for j in sorted(jobs, key=lambda j: -job_cost(j))]

    compute = order("scaling_laws_compute")
    assert "[2]" in compute[0] and "[128]" in compute[-1]
    scaling = order("scaling_laws")
    assert scaling[0] == "dim8[model.hidden=[64]]"
    for width in (2, 4, 8, 16, 32, 64):
        at = f"[model.hidden=[{width}]]"
        assert scaling.index(f"dim8{at}") < scaling.index(f"base{at}")


def test_run_hands_every_job_to_the_workers_before_a_result_is_asked_for():
    """``nnterm run`` builds its progress bars after ``pool.run``: the workers start on
    the jobs meanwhile, not once the first result is read."""
    class Recording(Executor):
        def __init__(self) -> None:
            self.labels: list[str] = []

        def submit(self, fn, /, *args, **kwargs):
            self.labels.append(args[0].label)
            return Future()

    executor, jobs = Recording(), preset_jobs(load_preset("scaling_laws"))
    PointPool(executor, 2).run(jobs)
    assert sorted(executor.labels) == sorted(job.label for job in jobs)


def test_a_job_whose_data_is_gone_still_has_a_cost(tmp_path):
    """The costs read the data's widths from a tiny instance of it; a table deleted after
    its preset loaded cannot make one, and its job is costed with one input and one
    output (it fails in its worker, with the reason) instead of the pool failing here."""
    write_table(tmp_path / "data.csv", ["x", "y", "label"], two_class_rows())
    job = preset_jobs(load_preset(str(preset_file(tmp_path))))[0]
    read = job_cost(job)
    (tmp_path / "data.csv").unlink()
    gone = job_cost(job)
    assert 0 < gone < read  # (2 inputs and 2 classes read; 1 and 1 assumed)


def test_workers_take_the_pools_environment_not_the_servers(monkeypatch):
    """The server the workers are forked from keeps the environment it started with (the
    memory limit of ``--max-memory`` is read in the worker); a worker takes its pool's."""
    worker_server.start()  # (before the variable is set)
    monkeypatch.setenv("NNTERM_TEST_VARIABLE", "set after the server started")
    with local_pool(1) as pool:
        seen = pool.executor.submit(os.getenv, "NNTERM_TEST_VARIABLE").result()
        parent = pool.executor.submit(os.getppid).result()
    assert seen == "set after the server started"
    assert parent != os.getpid()  # (forked by the server)


def test_a_process_forked_from_the_server_ignores_ctrl_c_from_its_start():
    """A terminal's Ctrl-C goes to the whole process group: a worker ignores it from the
    moment it is forked, before its initializer runs (one born with Python's handler, a
    Ctrl-C as it started, printed a KeyboardInterrupt's traceback)."""
    worker_server.start()
    process = worker_server.worker_context().Process(target=signal.raise_signal,
                                                     args=(signal.SIGINT,))
    process.start()
    process.join(30)
    assert process.exitcode == 0


@pytest.mark.parametrize("workers, can_fork_here, started",
                         [("1", False, False), ("2", False, True), ("2", True, False)])
def test_run_starts_the_worker_server_before_it_loads_the_preset(
        sweep_file, monkeypatch, workers, can_fork_here, started):
    """Only when a pool will run and its workers cannot be forked from the command
    itself, and then before the preset is read (its imports overlap the command's own)."""
    calls: list[str] = []
    monkeypatch.setattr(worker_server, "start", lambda **_: calls.append("server"))
    monkeypatch.setattr(worker_server, "can_fork_here", lambda: can_fork_here)
    from nnterm.app.headless import run

    def load_preset(*args):
        calls.append("preset")
        raise PresetError("stops here")

    monkeypatch.setattr(run, "load_preset", load_preset)
    assert main(["run", str(sweep_file), "--workers", workers]) == 2
    assert calls == (["server", "preset"] if started else ["preset"])


FORKED_HERE = textwrap.dedent("""\
    import json, os, signal, sys, threading
    from nnterm.engine.experiments.executors import open_pool

    def children():
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        out = []
        for pid in pids:
            try:
                stat = open(f"/proc/{pid}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                out.append(int(pid))
        return out

    if __name__ == "__main__":  # (the server's workers run this script again)
        if sys.argv[1] == "thread":
            threading.Thread(target=threading.Event().wait, daemon=True).start()
        if sys.argv[1] == "BLAS threads":  # NumPy loaded with two: a native pool
            os.environ.update(OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
        signal.signal(signal.SIGTERM, lambda *_: None)  # the command's handler
        print("printed before the pool")  # (a pipe's buffer: not written out yet)
        with open_pool("local", 2) as pool:
            ask = lambda f, *a: pool.executor.submit(f, *a).result()
            print(json.dumps({
                "parents": sorted({ask(os.getppid) for _ in range(4)}), "me": os.getpid(),
                "children": children(),
                "sigterm": ask(signal.getsignal, signal.SIGTERM) == signal.SIG_DFL,
                "sigint": ask(signal.getsignal, signal.SIGINT) == signal.SIG_IGN,
                "nicer": ask(os.nice, 0) - os.nice(0)}))
""")


@pytest.mark.skipif(sys.platform != "linux", reason="forks from the command on Linux only")
@pytest.mark.parametrize("beside", ["nothing", "thread", "BLAS threads"])
def test_a_headless_command_forks_its_workers_from_itself(tmp_path, beside):
    """``nnterm run``/``check`` open their pool while they run no other thread: the
    workers are forked from the command (no server, nor its semaphores' tracker, starts
    beside it), end on SIGTERM whatever the command's handler, ignore Ctrl-C, are nicer
    than the command, and do not print again what the command had printed. Beside a
    thread, Python's or a native library's (NumPy's BLAS with two), from the server."""
    script = tmp_path / "forked_here.py"
    script.write_text(FORKED_HERE)
    one_blas_thread = {name: "1" for name in worker_server.BLAS_THREADS}  # as the CLI's
    done = subprocess.run([sys.executable, str(script), beside], capture_output=True,
                          text=True, timeout=120, check=True, env=os.environ | one_blas_thread)
    assert done.stdout.count("printed before the pool") == 1, done.stdout
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["sigterm"] and seen["sigint"]
    assert seen["nicer"] == WORKER_NICENESS  # (the sweep view's keys go first)
    if beside == "nothing":
        assert seen["parents"] == [seen["me"]]
        assert len(seen["children"]) == 2  # the workers, and nothing else
    else:
        [server] = seen["parents"]
        assert server != seen["me"] and server in seen["children"]


def test_check_opens_its_pool_before_its_progress_bar_starts_a_thread(monkeypatch):
    """In a terminal the bar refreshes from a thread of its own; opened after it, the pool
    could not fork its workers from the command."""
    from rich.console import Console

    from nnterm.app.headless import check

    threads_then: list[int] = []

    def open_pool(*_args):
        threads_then.append(threading.active_count())
        raise ExecutorError("stops here")

    monkeypatch.setattr(check, "headless_console", lambda: Console(force_terminal=True))
    monkeypatch.setattr(check, "open_pool", open_pool)
    before = threading.active_count()
    with pytest.raises(ExecutorError):
        check.check_command(["xor"], seeds=None, workers=2)
    assert threads_then == [before]


def test_a_missing_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    with pytest.raises(ExecutorError, match=r"pip install 'nnterm\[ray\]'"):
        open_pool("ray", 2)


def test_an_unreachable_dask_scheduler_is_a_clear_error(monkeypatch):
    """The pool gives Dask 10 s to connect; a port that refuses fails the same way after
    one, so the test waits one."""
    import dask.distributed

    client = dask.distributed.Client
    def with_a_shorter_timeout(*args, **kwargs):
        return client(*args, **{**kwargs, "timeout": "1s"})
    monkeypatch.setattr(dask.distributed, "Client", with_a_shorter_timeout)
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        open_pool("dask", scheduler="tcp://127.0.0.1:9")


@pytest.mark.parametrize("options, says", [
    (["--workers", "0"], "--workers"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
    (["--plot", "curve.png"], "--plot"),
])
def test_bad_pool_options_exit_2_with_one_line(sweep_file, capsys, options, says):
    assert main(["run", str(sweep_file), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nnterm: error:") and says in err and "\n" not in err


def test_plot_needs_a_sweep(capsys):
    assert main(["run", "xor", "--plot", "xor.svg"]) == 2
    assert "has no sweep" in capsys.readouterr().err


def test_a_sweep_run_draws_its_summary_and_saves_it_as_svg(sweep_file, tmp_path, capsys):
    svg = tmp_path / "curve.svg"
    assert main(["run", str(sweep_file), "--workers", "2", "--plot", str(svg)]) == 0
    out = capsys.readouterr().out
    assert "relu: ∝ x^" in out and "R² " in out  # the legend with each fitted power law
    text = svg.read_text()
    assert text.startswith("<svg") and "n_params" in text
    assert not list(tmp_path.glob(".curve.svg.*"))  # no temporary file left


def test_check_gives_the_same_verdicts_in_a_pool(capsys):
    assert main(["check", "double_descent", "--workers", "1"]) == 0
    here = capsys.readouterr().out
    assert main(["check", "double_descent", "--workers", "2"]) == 0
    pooled = capsys.readouterr().out
    def verdicts(out):
        return [line for line in out.splitlines() if "pass" in line or "FAIL" in line]
    def without_seconds(lines):  # (piped: plain rows; the last column is the time taken)
        return [line.rsplit(maxsplit=1)[0] for line in lines]
    assert verdicts(here) and without_seconds(verdicts(here)) == without_seconds(verdicts(pooled))


def test_a_running_dask_cluster_takes_the_runs_by_its_address(sweep_file, tmp_path):
    from dask.distributed import LocalCluster

    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    assert main(["run", str(sweep_file), "--metrics", str(here), "--workers", "1"]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        assert main(["run", str(sweep_file), "--metrics", str(there), "--executor", "dask",
                     "--scheduler", cluster.scheduler_address]) == 0
    assert metrics_lines(there) == metrics_lines(here)
