"""Datasets: one module per dataset (schema, loader, splits, feature spec)."""
