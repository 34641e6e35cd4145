"""Flow runs: the record the API shows, and the state machine the engine drives."""
