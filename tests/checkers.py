"""The published checker packages the browser and HTML tests use, fetched from npm.

axe-core (accessibility rules, run inside Chromium) and vnu-jar (the Nu HTML
Checker, run with Java) are pinned by version and by the registry's sha512
integrity hash, downloaded once into a cache folder and unpacked there. No npm
or node is needed: the package is a tarball from registry.npmjs.org.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".venv" / "test-tools"
CACHE_DIR = Path(os.environ.get("EWEVENTS_TEST_TOOLS", DEFAULT_CACHE_DIR))


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    integrity: str  # "sha512-<base64>", as the registry publishes it

    @property
    def tarball_url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"

    @property
    def folder(self) -> Path:
        return CACHE_DIR / f"{self.name}-{self.version}"


AXE_CORE = NpmPackage(
    "axe-core",
    "4.14.1",
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
)
VNU_JAR = NpmPackage(
    "vnu-jar",
    "26.9.27",
    "sha512-TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA==",
)


class CheckerUnavailable(RuntimeError):
    pass


def _verified(package: NpmPackage, data: bytes) -> bytes:
    algorithm, _, expected = package.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise CheckerUnavailable(f"{package.tarball_url} does not match its pinned {algorithm} hash")
    return data


def installed(package: NpmPackage) -> Path:
    """The unpacked package folder (npm's `package/` inside the tarball), fetching it if needed."""
    folder = package.folder
    if (folder / "package" / "package.json").exists():
        return folder / "package"
    try:
        with urllib.request.urlopen(package.tarball_url, timeout=120) as response:  # noqa: S310 (a fixed https URL)
            data = _verified(package, response.read())
    except OSError as error:
        raise CheckerUnavailable(f"could not download {package.tarball_url}: {error}") from error
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(partial, filter="data")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)  # atomic: a folder that exists is complete
    return folder / "package"


def axe_script() -> Path:
    return installed(AXE_CORE) / "axe.min.js"


def vnu_jar() -> Path:
    return installed(VNU_JAR) / "build" / "dist" / "vnu.jar"
