"""Writing an archive whole or not at all, encrypted with `age` when a recipient is given.

An archive is written under a temporary name (which pruning never matches) and renamed once
complete, so a backup that failed half way never passes for one. With a recipient (an age
public key, "age1..."), the bytes go straight into `age`, so nothing unencrypted is written.
"""

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from . import BackupError


def age_program():
    """The path of `age`, or BackupError saying how to get it."""
    program = shutil.which("age")
    if program is None:
        raise BackupError("The age program is not installed (apt-get install age).")
    return program


def check_recipient(recipient):
    """Raise BackupError unless `age` is installed and accepts `recipient` (tried on no data)."""
    if shutil.which("age") is None:
        raise BackupError(
            "BACKUP_AGE_RECIPIENT is set but the age program is not installed (apt-get install age): "
            "nothing was backed up."
        )
    tried = subprocess.run(  # noqa: S603 (age from PATH, the recipient from settings)
        [age_program(), "--encrypt", "--recipient", recipient], input=b"", capture_output=True, check=False
    )
    if tried.returncode != 0:
        error = tried.stderr.decode(errors="replace").strip()
        raise BackupError(f"BACKUP_AGE_RECIPIENT is not a key age accepts: {error}. Nothing was backed up.")


@contextlib.contextmanager
def sealed(path, recipient=""):
    """Yield a binary file to write the archive `path` into; encrypted to `recipient` if given."""
    path = Path(path)
    partial = path.with_name(f".partial-{path.name}")
    age = None
    try:
        if recipient:
            partial.touch(mode=0o600)
            age = subprocess.Popen(  # noqa: S603 (age from PATH, arguments from settings)
                [age_program(), "--encrypt", "--recipient", recipient, "--output", str(partial)],
                stdin=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            yield age.stdin
            age.stdin.close()
            error = age.stderr.read().decode(errors="replace").strip()
            if age.wait() != 0:
                raise BackupError(f"age could not encrypt {path.name}: {error}")
        else:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as file:
                yield file
        os.replace(partial, path)
    except BaseException:
        if age is not None and age.poll() is None:
            age.kill()
            age.wait()
        partial.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def opened(path, identity=None):
    """Yield a binary file reading the archive `path`, decrypted with the age `identity` file if
    the archive is encrypted (its name ends in .age)."""
    path = Path(path)
    if not path.name.endswith(".age"):
        with path.open("rb") as file:
            yield file
        return
    if not identity:
        raise BackupError(
            f"{path.name} is encrypted: give the age identity (secret key) file with --identity."
        )
    age = subprocess.Popen(  # noqa: S603 (age from PATH, arguments from the command line)
        [age_program(), "--decrypt", "--identity", str(identity), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield age.stdout
        age.stdout.read()  # whatever the reader left, so age can finish
        error = age.stderr.read().decode(errors="replace").strip()
        if age.wait() != 0:
            raise BackupError(f"age could not decrypt {path.name}: {error}")
    finally:
        if age.poll() is None:
            age.kill()
            age.wait()
