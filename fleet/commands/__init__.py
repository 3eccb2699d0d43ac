"""The `gpu-fleet` subcommands, one module each, and the tables they print.

A command module exposes `register(subparsers)`, parses its arguments and
calls into the other packages; the rules it applies live there. `tables`
holds the rich tables (the only place besides `fleet.cli` that prints with
rich). This package may import every other package of `fleet`; none imports it.
"""
