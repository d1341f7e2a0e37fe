"""``optoracle check``: check an implementation against SPEC.md, clause by clause.

Exit codes: 0 the target conforms (advisories allowed, unless --strict); 1 it does not conform;
2 usage error, or the target could not be loaded or run at all.
"""
from __future__ import annotations

import argparse
import os
import sys

PROFILE_HELP = ("auto (default: determine each convention from the target) or an edition: seed (epsilon inside "
                "the root, mean cost), course (epsilon outside, mean cost), 2019 (outside, summed cost, epoch "
                "total / m printed), 2021 (as 2019, num_epochs=5000, Adam's 5-tuple, learning-rate decay); "
                "default $OPTORACLE_PROFILE or auto")
EPILOG = """exit codes:
  0  conforms (SHOULD failures are advisories: shown, counted, exit 0 unless --strict)
  1  does not conform
  2  usage error, or the target could not be loaded or run at all

environment:
  OPTORACLE_PROFILE         default for --profile
  OPTORACLE_EXAMPLES        default for --examples (ci, dev, thorough, mutation, smoke)
  OPTORACLE_CALL_TIMEOUT    seconds per call of the target (default 10)
  OPTORACLE_IMPORT_TIMEOUT  seconds to load the target (default 60: a notebook export trains when imported)
  OPTORACLE_MEMORY_LIMIT_MB the target's address-space limit (default 2048 for Python targets; 0: none)
  OPTORACLE_JOBS            default for --jobs
  OPTORACLE_FORK_SERVER     restarts of a Python target are forked from a warm server (default); 0: never
  OPTORACLE_CACHE           optoracle's cache folder: SymPy's derivations, the reference's long training
                            runs and Hypothesis's files (default ~/.cache/optoracle; nothing is written to
                            the working folder)

examples:
  optoracle check my_solution.py
  optoracle check my_solution.py --profile 2021 --json report.json
  optoracle check --cmd "node mine.js" --clause 'adam.*'
"""


def fail_usage(message):
    print(f"optoracle check: error: {message}", file=sys.stderr)
    return 2


def _writable(path, what):
    """None if ``path`` can be written, else a one-line reason (checked before any work)."""
    if os.path.isdir(path):
        return f"{what} {path!r} is a directory; give a file name"
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        return f"{what} {path!r}: the folder {folder!r} does not exist"
    existed = os.path.exists(path)
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as error:
        return f"{what} {path!r} is not writable ({error.strerror})"
    if not existed:
        os.unlink(path)
    return None


def validate(args):
    """One line naming the first bad input, or None."""
    from properties import forkserver, settings, spec
    from properties.targets import target_problem
    from properties.failures import LoadError
    from properties.gateway import call_timeout_from_env, import_timeout_from_env, memory_limit_from_env
    if not args.target and not args.cmd:
        return "no target: name a .py file or module (optoracle check my_solution.py), or --cmd for another language"
    if args.target and args.cmd:
        return "give a target or --cmd, not both"
    from properties.conventions import PROFILES
    if args.profile not in PROFILES:                  # only $OPTORACLE_PROFILE gets here: argparse checks --profile
        return f"$OPTORACLE_PROFILE must be one of {', '.join(PROFILES)}, got {args.profile!r}"
    if args.target:
        problem = target_problem(args.target)
        if problem:
            return problem
    for path, what in ((args.json, "--json"), (args.junitxml, "--junitxml")):
        if path:
            problem = _writable(path, what)
            if problem:
                return problem
    try:
        call_timeout_from_env()
        import_timeout_from_env()
        memory_limit_from_env(None)
        forkserver.setting_from_env()
        args.examples = args.examples or settings.selected()
        if args.jobs is None:
            args.jobs = settings.default_jobs()
        elif args.jobs < 1:
            return f"--jobs must be at least 1, got {args.jobs}"
        args.clauses = spec.matching(args.clause) if args.clause else None
    except (LoadError, ValueError) as error:
        return str(error)
    return None


def main(args):
    problem = validate(args)
    if problem:
        return fail_usage(problem)
    from properties.failures import LoadError
    from properties.gateway import launch
    source = args.target
    try:
        # the input is valid: the target starts loading now, while the checks are imported
        transport = launch(source, command=args.cmd)
        from properties import report as render
        from properties.runner import run_suite
        result = run_suite(source, args.profile, args.examples, command=args.cmd, clauses=args.clauses,
                           strict=args.strict, jobs=args.jobs, transport=transport)
    except LoadError as error:
        message = f"cannot load target {args.cmd or source!r}: {error}"
        from properties import report as render
        if args.json:                       # a grader's script reads every submission's report, this one too
            render.write_json_error(args.cmd or source, args.profile, message, args.json)
        if args.junitxml:
            render.write_junit_error(args.cmd or source, message, args.junitxml)
        print(f"optoracle check: {message}", file=sys.stderr)
        return 2
    # the files first: a reader that stops reading the terminal report (`| head -1`) loses none of them
    if args.json:
        render.write_json(result, args.json)
    if args.junitxml:
        render.write_junit(result, args.junitxml)
    code = 0 if result.conforms else 1
    try:
        print(render.terminal(result, verbose=args.verbose, quiet=args.quiet), flush=True)
    except BrokenPipeError:                 # the verdict's exit code stands when stdout is closed early
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
    return code


def add_parser(subparsers):
    p = subparsers.add_parser("check", help="check an implementation against the spec, clause by clause",
                              description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", help="a .py file, an importable module, reference[@EDITION] or catalog:NAME")
    p.add_argument("--cmd", metavar="COMMAND", help="a target in any language: a command that speaks optoracle's "
                   "protocol on stdin/stdout (PROTOCOL.md)")
    p.add_argument("--profile", choices=["auto", "seed", "course", "2019", "2021"],
                   default=os.environ.get("OPTORACLE_PROFILE") or "auto", help=PROFILE_HELP)
    p.add_argument("--examples", choices=["ci", "dev", "thorough", "mutation", "smoke"], default=None,
                   help="Hypothesis examples per check (default $OPTORACLE_EXAMPLES or ci: 30, derandomized)")
    p.add_argument("--clause", action="append", metavar="PATTERN",
                   help="only checks of these clauses: an id (adam.update), a prefix (adam) or a glob (adam.*); "
                        "repeatable")
    p.add_argument("--json", metavar="FILE", help="write a machine-readable report")
    p.add_argument("--junitxml", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="run the checks in N workers, each with its own target process (default $OPTORACLE_JOBS, or "
                        "2 on a Linux machine with 2 or more cores)")
    p.add_argument("--strict", action="store_true", help="advisories (SHOULD failures) count as failures")
    p.add_argument("-v", "--verbose", action="store_true", help="full detail: every line, the captured output, "
                   "the time of each check")
    p.add_argument("-q", "--quiet", action="store_true", help="the verdict and the clause table only")
    p.set_defaults(func=main)
