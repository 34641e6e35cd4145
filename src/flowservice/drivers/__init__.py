"""Source drivers: what a connection spec's auth params let the service do at the source."""
