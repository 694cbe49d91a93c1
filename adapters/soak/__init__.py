"""A soak of the whole system under SIGKILLs: run by `scripts/soak.py`, not imported by the product.

Rollouts on the local platform go through repeated image updates while the controller, the
worker process or the NATS server is SIGKILLed at random moments and restarted; then the same
scenario runs undisturbed, and the two are compared rollout by rollout.
"""
