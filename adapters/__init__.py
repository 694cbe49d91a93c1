"""IO and entry points: platforms, traffic routers, metric providers, workers and the CLI."""
