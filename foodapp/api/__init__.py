"""The REST API under /api/v1/: dishes, recommendations, events, history, training records."""
