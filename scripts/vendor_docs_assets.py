#!/usr/bin/env python3
"""Vendor the docs pages' assets (Swagger UI, Redoc) from pinned npm releases.

Downloads each package with ``npm pack``, checks the tarball against the registry's
sha512 integrity (``npm view <pkg>@<ver> dist.integrity``) and against the hash pinned
here, and copies only the files kettle serves, plus the licence, into
``src/kettle/openapi/assets/``. The result is committed, so building and testing kettle
needs no npm and no network. To update: change a version, set its integrity to ``""``,
run this script, review the printed hash and pin it.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "src" / "kettle" / "openapi" / "assets"

#: package -> (version, pinned sha512 integrity, {file in package: name in assets}).
PACKAGES: dict[str, tuple[str, str, dict[str, str]]] = {
    "swagger-ui-dist": (
        "5.35.0",
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        {
            "swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "swagger-ui.css": "swagger-ui.css",
            "LICENSE": "swagger-ui.LICENSE",
        },
    ),
    "redoc": (
        "2.5.4",
        "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
        {
            "bundles/redoc.standalone.js": "redoc.standalone.js",
            "LICENSE": "redoc.LICENSE",
        },
    ),
}


def registry_integrity(package: str, version: str) -> str:
    result = subprocess.run(
        ["npm", "view", f"{package}@{version}", "dist.integrity"],
        check=True, capture_output=True, text=True,
    )
    return result.stdout.strip()


def sha512_integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def vendor(package: str, version: str, pinned: str, files: dict[str, str], work: Path) -> None:
    result = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--silent", "--pack-destination", str(work)],
        check=True, capture_output=True, text=True,
    )
    tarball = work / result.stdout.strip().splitlines()[-1]
    actual = sha512_integrity(tarball)
    expected = registry_integrity(package, version)
    if actual != expected:
        sys.exit(f"{package}@{version}: tarball {actual} != registry {expected}")
    if pinned and actual != pinned:
        sys.exit(f"{package}@{version}: tarball {actual} != pinned {pinned}")
    print(f"{package}@{version} {actual}" + ("" if pinned else "  (pin this)"))
    with tarfile.open(tarball) as archive:
        for source, target in files.items():
            member = archive.extractfile(f"package/{source}")
            if member is None:
                sys.exit(f"{package}@{version}: no {source} in the tarball")
            (ASSETS / target).write_bytes(member.read())
    (ASSETS / f"{package}.VERSION").write_text(f"{package}@{version}\n{actual}\n")


def main() -> None:
    if shutil.which("npm") is None:
        sys.exit("npm is needed to vendor the assets (they are committed: CI does not need it)")
    ASSETS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for package, (version, pinned, files) in PACKAGES.items():
            vendor(package, version, pinned, files, Path(tmp))


if __name__ == "__main__":
    main()
