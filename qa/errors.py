"""Errors a user can act on: every message ends with what to do about it."""

from __future__ import annotations


class QAError(Exception):
    """Base class; the message names the fix. ``exit_code`` is what the CLI exits with."""

    exit_code = 3


class IndexMissingError(QAError):
    """No index has been built in the given folder yet."""


class IndexIncompatibleError(QAError):
    """The index was built with another model, passage layout or format version."""


class IndexCorruptError(QAError):
    """An index file is missing, truncated or altered since it was written."""


class CorpusError(QAError):
    """The corpus yields no usable article, so no index can be built from it."""

    exit_code = 4


class ModelError(QAError):
    """The embedding model cannot be loaded offline."""

    exit_code = 4


class QuestionError(QAError):
    """The question cannot be searched as given (empty, or far too long)."""

    exit_code = 2
