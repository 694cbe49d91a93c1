"""The event contract of the rollout controller: what goes on the stream and how to read it.

This package imports nothing else of the project, so a subscriber written by another team can
depend on it alone.
"""
