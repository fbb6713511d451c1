"""Reading: from the retrieved passages to the answer, its exact phrase, or a decline.

``answer`` composes the answer (``extract_answer``); ``unknown_names`` declines a question
naming what no article mentions; ``model`` runs the packaged ONNX reader, ``spans`` turns
its logits into spans with probabilities, ``reader`` reads the top hits in one call;
``answer_score`` is the one probability that the answer is right (declines and bold follow
from it), ``fit_score`` fits it; ``compose`` places the span in its sentence and finds what
other articles say; ``scoring`` is SQuAD's exact match and F1.
"""
