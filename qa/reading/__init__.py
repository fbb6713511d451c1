"""Reading: from the retrieved passages to the answer, its exact phrase, or a decline.

``answer`` composes the answer (``extract_answer``); ``model`` runs the packaged ONNX
reader, ``spans`` turns its logits into spans with probabilities, ``reader`` reads the top
hits in one call, ``confidence`` calibrates the best span, ``compose`` places the span in
its sentence and finds another article's differing figure. Without the reader (or beside
it) the sentence model (``units``, ``sentence_choice``), the phrase rules and the decline
model (``abstention``) choose; ``scoring`` is SQuAD's exact match and F1.
"""
