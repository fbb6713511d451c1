"""Errors a user can act on: every message ends with what to do about it.

Each class carries the exit code the ``qa`` command ends with (README, "Exit codes"):
2 bad usage, a bad value or a bad question; 3 the index is missing, damaged, incompatible
or cannot be written; 4 the corpus or the model is unusable; 5 the Ray cluster that
embeds passages cannot be reached or its workers failed.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class; the message names the fix. ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class UsageError(QAError):
    """A flag, an environment variable or an argument has a value that cannot be used."""

    exit_code = 2


class QuestionError(UsageError):
    """The question cannot be searched as given (empty, far too long, a bad k or mode)."""


class IndexStateError(QAError):
    """The index cannot be used or written as it is."""

    exit_code = 3


class IndexMissingError(IndexStateError):
    """No index has been built in the given folder yet."""


class IndexIncompatibleError(IndexStateError):
    """The index was built with another model, passage layout or format version."""


class IndexCorruptError(IndexStateError):
    """An index file is missing, truncated or altered since it was written."""


class IndexWriteError(IndexStateError):
    """The index folder cannot be created or written (permissions, a full disk)."""


class CorpusError(QAError):
    """The corpus yields no usable article, so no index can be built from it."""

    exit_code = 4


class ModelError(QAError):
    """The embedding model cannot be loaded offline."""

    exit_code = 4


class BackendError(IndexStateError):
    """The search server (Milvus) cannot be reached, refused the credentials, or is in use."""


class ClusterError(QAError):
    """The Ray cluster that embeds passages cannot be reached, or its workers failed."""

    exit_code = 5
