"""Testing and exploring a base connection's source (contract §4 test, §6 explore/preview)."""

from flowservice.explore.service import ExploreService

__all__ = ["ExploreService"]
