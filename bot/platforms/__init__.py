"""Chat platforms: thin adapters between a chat network and the neutral core."""
