"""Base connections (contract §4): create, read, list, patch, delete."""
