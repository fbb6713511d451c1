"""The Milvus backend: one collection of passages served by Milvus Lite or a Milvus cluster.

``address`` names the server and collection, ``connection`` opens a client (and turns
Milvus's failures into errors that name the fix), ``schema`` creates the collections,
``rows`` converts between passages and rows, ``view`` serves one generation to a
``Retriever`` (the ``SearchIndex`` seam) and ``writer`` publishes a new generation.
"""
