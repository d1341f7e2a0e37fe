"""The ``optoracle`` command: check, train, golden, mutants, claims, spec.

Exit codes of ``optoracle check``: 0 conforms; 1 does not conform; 2 usage error, or the target
could not be loaded or run at all. Every bad input is reported in one line that names it.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__


class Parser(argparse.ArgumentParser):
    """argparse, with errors in one line (and exit code 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = Parser(prog="optoracle", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"optoracle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    from . import check_cli, golden_cli, mutants_cli, spec_cli, train_cli
    check_cli.add_parser(sub)
    train_cli.add_parser(sub)
    golden_cli.add_parser(sub)
    mutants_cli.add_parser(sub)
    spec_cli.add_parser(sub)
    try:
        from . import claims_cli
    except ImportError:            # the claims command ships with the batched trainer
        claims_cli = None
    if claims_cli is not None:
        claims_cli.add_parser(sub)
    return parser


def _keep_hypothesis_out_of_the_working_folder():
    """Hypothesis keeps files (the constants it mines from source) under ./.hypothesis; a check of someone's
    file must not leave a folder beside it: optoracle's commands keep them in its own cache folder."""
    from hypothesis.configuration import set_hypothesis_home_dir
    from properties.cache import cache_dir
    set_hypothesis_home_dir(os.path.join(cache_dir(), "hypothesis"))


def _fewer_garbage_collections():
    """A run allocates millions of short-lived objects (the protocol's messages, Hypothesis's draws) beside a
    heap that lives as long as the command (numpy, Hypothesis, the checks): with Python's default thresholds
    the collector's passes over that heap took a tenth of a check's time. Only the command's own process: a
    target runs in its child with the defaults."""
    import gc
    gc.set_threshold(10_000, 20, 20)


def main(argv=None):
    _fewer_garbage_collections()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("check", "mutants"):
        _keep_hypothesis_out_of_the_working_folder()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("optoracle: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:                 # e.g. `optoracle spec | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
