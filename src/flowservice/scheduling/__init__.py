"""Turning flows' schedules into runs (the scheduler) and, in the next steps, the workers."""
