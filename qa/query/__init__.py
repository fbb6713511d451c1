"""The read side: question checks, search and fusion, sources, follow-ups; then ``qa.reading``."""
