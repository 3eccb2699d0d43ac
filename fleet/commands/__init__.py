"""One module per `python -m fleet` subcommand."""
