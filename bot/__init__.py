"""The paperboy process: platform adapters, commands, rendering, scheduling, delivery."""
