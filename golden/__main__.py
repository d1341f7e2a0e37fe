import sys

from .cli import run

sys.exit(run(["golden", *sys.argv[1:]]))
