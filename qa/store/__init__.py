"""The index on disk: manifest, generations, the loaded snapshot, FAISS, BM25, passage table."""
