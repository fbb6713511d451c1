"""The read side: question checks, rankings, fusion, answer sentences, declines, follow-ups."""
