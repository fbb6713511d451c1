"""What makes the shipped models and the question sets: training, export, fitting (see README.md)."""
