"""Platform-neutral core: incoming messages become commands, commands return neutral replies."""
