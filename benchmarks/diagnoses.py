"""Every preset's runs on many seeds: the diagnoses each shows against those its lesson names.

Each run of a preset declares the diagnoses its lesson talks about (an ``expect`` claim
``{diagnoses: [...], run: R}``, or ``{healthy: true, run: R}`` for none). This trains
every run of every preset on every seed (in a local pool) and prints, per run, what it
showed, as root causes with their consequences folded under them (``training.causes``),
on how many seeds (or, for a sweep, seed x point runs) each came, and how many runs
showed one that the lesson does not name: the README's table (Markdown, as printed).

    .venv/bin/python benchmarks/diagnoses.py                    # seeds 0-20, ~10 minutes
    .venv/bin/python benchmarks/diagnoses.py --seeds 0-4 --presets dead_relu xor
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict

from nnterm.engine.claims.check import named_diagnoses
from nnterm.engine.experiments.experiment import preset_jobs
from nnterm.engine.experiments.pool import local_pool
from nnterm.engine.preset_format.loader import list_presets, load_preset
from nnterm.engine.training.causes import folded, unexplained


def seed_range(text: str) -> list[int]:
    """``0-20`` -> 0..20; ``3`` -> [3]."""
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("0-20"))
    parser.add_argument("--presets", nargs="*", help="default: every built-in preset")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    presets = [load_preset(n) for n in args.presets] if args.presets else list_presets()
    jobs = [(p, job) for p in presets for s in args.seeds for job in preset_jobs(p, seed=s)]
    shown: dict[tuple[str, str], Counter] = defaultdict(Counter)
    runs: Counter = Counter()
    odd: Counter = Counter()
    start = time.perf_counter()
    with local_pool(args.workers) as pool:
        for index, result in pool.run([job for _, job in jobs]):
            preset = jobs[index][0]
            key = (preset.name, result.name)
            runs[key] += 1
            shown[key].update(folded(result.diagnoses))
            named = named_diagnoses(preset)[result.name]
            odd[key] += named is None or bool(unexplained(result.diagnoses, named))
    seeds = f"{args.seeds[0]}-{args.seeds[-1]}" if len(args.seeds) > 1 else str(args.seeds[0])
    print(f"Seeds {seeds}, {sum(runs.values())} runs, {time.perf_counter() - start:.0f} s.\n")
    print("| preset | run | its lesson names | shown (× runs) | n | unexplained |")
    print("|---|---|---|---|---:|---:|")
    for preset in presets:
        for run, named in named_diagnoses(preset).items():
            key = (preset.name, run)
            said = "undeclared" if named is None else ", ".join(named) or "none"
            seen = "; ".join(f"{label} ×{count}" for label, count in shown[key].most_common())
            print(f"| {preset.name} | {run} | {said} | {seen or '-'} | {runs[key]} "
                  f"| {odd[key]} |")


if __name__ == "__main__":
    main()
