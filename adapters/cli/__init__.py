"""The `rollouts` command line: a Typer app whose commands live in one module each."""
