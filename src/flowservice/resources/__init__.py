"""What every Flow Service resource shares: etags and preconditions (more to come)."""
