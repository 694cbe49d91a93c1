"""The analysis worker's pieces: where templates and secrets live, how a run is resolved and
how one measurement is taken (providers included)."""
