"""Source connections, target connections and flows (dataflows contract §3, §4, §6)."""
