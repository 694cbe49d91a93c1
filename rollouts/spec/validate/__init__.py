"""Argo's validation of Rollout and AnalysisTemplate specs, one file per part of the spec."""
