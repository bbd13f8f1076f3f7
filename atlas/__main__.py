"""`python -m atlas` is the `atlas` command."""

from atlas.cli import main

main(prog_name="atlas")
