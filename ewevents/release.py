"""The release this code is (pyproject.toml's [project] version), as `ewevents.__version__`.

In a source checkout, pyproject.toml beside the package is read: an editable install's metadata
keeps the version of the day it was installed. Otherwise (an installed package without the
source) the installed metadata says it; without either, "0+unknown".
"""

import tomllib
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def read_version():
    try:
        return tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("ewevents")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = read_version()
