"""The faces of the assistant: the ``qa`` command, the Gradio chat, rendering, evaluation."""
