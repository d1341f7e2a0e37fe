"""The ``optoracle`` command: ``train``, ``check``, ``golden``, ``mutants``."""
from __future__ import annotations

import argparse
import sys

from . import __version__, train_cli


def build_parser():
    parser = argparse.ArgumentParser(prog="optoracle", description=__doc__)
    parser.add_argument("--version", action="version", version=f"optoracle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    train_cli.add_parser(sub)
    from properties import runner
    runner.add_parser(sub)
    from golden import cli as golden_cli
    golden_cli.add_parser(sub)
    from properties import mutants_cli
    mutants_cli.add_parser(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
