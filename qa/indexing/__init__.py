"""The write side: plan an update, embed what changed, write a generation; ``Library``."""
