"""Articles into passages: sentence boundaries, and passages that fit the model."""
