"""Organizations, sandboxes, API clients and access tokens (contract §1, "Beyond")."""
