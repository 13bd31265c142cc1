"""The resource stage: drill holes to composites (issue 17; the block model, pit and schedule come next)."""
