"""Fleet rollouts across clusters: the coordinator on the hub, and the hub/region plumbing."""
