"""Generator of the argoproj.io/v1alpha1 CRDs this controller serves (see ../generate.py).

The schemas are written from the Rollout and AnalysisTemplate field lists, not copied from Argo's
generated CRDs: Argo expands every pod and job template into thousands of lines; here those
templates keep their pod-spec fields unchecked (`x-kubernetes-preserve-unknown-fields`) so the
cluster's own PodSpec validation, whatever its version, judges them when a ReplicaSet or Job is
created, and a newer pod field is never pruned by an older copy of the PodSpec schema.
"""
