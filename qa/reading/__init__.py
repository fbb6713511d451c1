"""Reading: the extractive reader that marks the answer in the retrieved passages.

``model`` runs the packaged ONNX reader, ``spans`` turns its logits into spans with
probabilities, ``reader`` reads the top hits in one call, ``compose`` places the span in
its sentence and finds another article's differing answer.
"""
