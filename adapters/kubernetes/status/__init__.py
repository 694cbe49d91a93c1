"""The Rollout object's `.status`: built from the state, patched onto the object."""
