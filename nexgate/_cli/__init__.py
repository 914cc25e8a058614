"""One module per ``nexgate`` subcommand; each has ``add_parser(subparsers)`` and ``run(args)``."""
