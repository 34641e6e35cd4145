"""One module per resource; ``flowservice.api.app`` mounts them all."""
