"""The ``nnterm`` command line."""

from __future__ import annotations

import argparse
from importlib.metadata import version


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnterm",
        description="Train a NumPy neural network live in your terminal and watch it learn.",
    )
    parser.add_argument("--version", action="version", version=f"nnterm {version('nnterm')}")
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
