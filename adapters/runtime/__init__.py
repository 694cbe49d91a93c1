"""Shared runtime pieces for the composition roots: settings, NATS connection, projections."""
