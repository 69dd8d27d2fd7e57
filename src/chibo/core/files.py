"""Stored files (uploads, exports) and the tools that need a real path on this machine.

Every file goes through Django's storage API (``settings.STORAGES["default"]``: a directory,
``CHIBO_MEDIA_DIR``, that every app server and worker mounts). A tool that reads or writes a
path (openpyxl, pdftotext, the server's ``COPY``) works on a private temporary file on the local
disk, never on a path inside the storage:

* :func:`local_copy` gives a stored file as a temporary local copy;
* :func:`store_written` gives a temporary local path to write to, then saves what was written
  in the storage under the field's name (the file system storage moves it there: a rename when
  the temporary directory is on the same disk). Until then nothing partial is visible to the
  other servers.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.db.models.fields.files import FieldFile

COPY_BUFFER = 1 << 20


@contextmanager
def local_copy(stored: FieldFile, suffix: str = "") -> Iterator[Path]:
    """A temporary local copy of ``stored`` (deleted afterwards)."""
    with tempfile.NamedTemporaryFile(prefix="chibo-", suffix=suffix) as copy, stored.open("rb") as source:
        shutil.copyfileobj(source, copy, COPY_BUFFER)
        copy.flush()
        yield Path(copy.name)


class _Written(File):
    """A finished local file, offered to the storage as Django's temporary uploads are: the file
    system storage moves it (``temporary_file_path``) instead of copying it chunk by chunk."""

    def temporary_file_path(self) -> str:
        return str(self.name)


@contextmanager
def store_written(field: FieldFile, name: str) -> Iterator[Path]:
    """A local path to write ``name`` to; on success the file is saved in ``field``'s storage
    (``field.name`` then names it there; the model is not saved). On failure nothing is stored."""
    with tempfile.TemporaryDirectory(prefix="chibo-") as tmp:
        path = Path(tmp) / name
        yield path
        with path.open("rb") as handle:
            field.save(name, _Written(handle, name=str(path)), save=False)
