"""The rollout domain: Argo-compatible specs, state machines and pure decisions.

Nothing in this package performs IO, reads a clock or logs; time and ids arrive as arguments.
"""
