"""``samskab archive``: a replication package for an archive deposit (zip or folder).

Contents (paths inside the package):

* ``datapackage.json`` + ``respondents.csv`` + ``codes.csv``: the Frictionless Data Package of the respondent
  file (from ``data/raw/instrument/``), extended by the processed tables ``data/processed/*.csv`` (schemas
  inferred by frictionless) - ``frictionless validate datapackage.json`` accepts it;
* ``codebook.md`` (``data/raw/README.md``) and ``DATA_AVAILABILITY.md`` (the README's statement);
* ``exhibits/``: the rendered figures (SVG, PNG) and the tables behind them (``reports/data``), and the
  exhibit list ``notebooks/exhibits.csv``;
* ``environment/``: ``requirements/constraints.txt``, ``environment.yml``, ``pyproject.toml``;
* ``CITATION.cff``, ``LICENSE``, ``DATA-LICENSE.md``;
* ``MANIFEST.sha256``: the sha256 of every other file (``sha256sum -c`` checks it).

The zip is deterministic: entries sorted, fixed timestamps (1980-01-01) and permissions.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

from samskab_analysis import __version__
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.fielding.datapackage import CODE_COLUMNS, ID_FIELD, codes_table, csv_text, package_descriptor
from samskab_analysis.output import atomic_open, claim_output, remove_tree, write_bytes
from samskab_analysis.paths import DATA_DIR, NOTEBOOK_DIR, PROCESSED_DIR, REPO_ROOT, REPORTS_DIR

ARCHIVE_DIR = REPORTS_DIR / "archive"
EXHIBIT_PATTERNS = ("figures/*.svg", "figures/*.png", "data/*.csv")
ENVIRONMENT = ("requirements/constraints.txt", "environment.yml", "pyproject.toml")
ROOT_FILES = ("CITATION.cff", "LICENSE", "DATA-LICENSE.md")
MANIFEST = "MANIFEST.sha256"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
STATEMENT = re.compile(r"^## Data availability.*?(?=^## )", re.DOTALL | re.MULTILINE)


def package_name() -> str:
    """``samskab-replication-<version>``."""
    return f"samskab-replication-{__version__}"


def data_availability(readme: str) -> str:
    """The README's data availability section (heading included)."""
    match = STATEMENT.search(readme)
    return match.group(0).strip() + "\n" if match else ""


def processed_resources(processed: dict[str, bytes]) -> list[dict]:
    """Resource descriptors of the processed tables, schemas inferred by frictionless from their bytes."""
    from frictionless import Resource

    out = []
    for name, data in sorted(processed.items()):
        resource = Resource(data=data, format="csv")
        resource.infer(stats=False)
        schema = resource.schema.to_descriptor()
        out.append(
            {
                "name": f"processed-{Path(name).stem.replace('_', '-')}",
                "path": f"data/processed/{name}",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return out


def collect(data_dir: Path = DATA_DIR, reports_dir: Path = REPORTS_DIR) -> dict[str, bytes]:
    """Every file of the package (path inside the package -> bytes), manifest excluded."""
    instrument = load_instrument(data_dir)
    files: dict[str, bytes] = {}
    processed = {p.name: p.read_bytes() for p in sorted(PROCESSED_DIR.glob("*.csv"))}
    descriptor = package_descriptor(instrument, "en", processed_resources(processed))
    descriptor["name"] = "samskab-replication"
    descriptor["title"] = "Samskabelse follow-up survey: replication package"
    descriptor["version"] = __version__
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode()
    files["respondents.csv"] = csv_text([ID_FIELD, *instrument.item_ids], []).encode()
    files["codes.csv"] = csv_text(list(CODE_COLUMNS), codes_table(instrument).values.tolist()).encode()
    files.update({f"data/processed/{k}": v for k, v in processed.items()})
    files["codebook.md"] = (Path(data_dir) / "README.md").read_bytes()
    files["DATA_AVAILABILITY.md"] = data_availability((REPO_ROOT / "README.md").read_text(encoding="utf-8")).encode()
    for pattern in EXHIBIT_PATTERNS:
        for path in sorted(Path(reports_dir).glob(pattern)):
            files[f"exhibits/{path.relative_to(reports_dir).as_posix()}"] = path.read_bytes()
    files["exhibits/exhibits.csv"] = (NOTEBOOK_DIR / "exhibits.csv").read_bytes()
    for name in ENVIRONMENT:
        files[f"environment/{name}"] = (REPO_ROOT / name).read_bytes()
    for name in ROOT_FILES:
        files[name] = (REPO_ROOT / name).read_bytes()
    return dict(sorted(files.items()))


def manifest(files: dict[str, bytes]) -> bytes:
    """``<sha256>  <path>`` per file, sorted by path (the format ``sha256sum -c`` reads)."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()


def write_archive(
    out_dir: str | Path | None = None,
    *,
    zip_file: bool = True,
    data_dir: Path = DATA_DIR,
    reports_dir: Path = REPORTS_DIR,
) -> Path:
    """Write the package as ``<out>/samskab-replication-<version>.zip`` (or a folder of that name)."""
    reports = Path(reports_dir).resolve()
    target_dir = out_dir if out_dir is not None else ARCHIVE_DIR
    with claim_output(target_dir, inputs=(reports,), input_dirs=(data_dir,)) as out:
        files = collect(Path(data_dir), reports)  # everything is read before anything is written
        files[MANIFEST] = manifest(files)
        target = out / (package_name() + (".zip" if zip_file else ""))
        if zip_file:
            with atomic_open(target, "wb") as handle:
                with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
                    for name, data in sorted(files.items()):
                        info = zipfile.ZipInfo(f"{package_name()}/{name}", date_time=ZIP_DATE)
                        info.external_attr = 0o644 << 16
                        info.compress_type = zipfile.ZIP_DEFLATED
                        archive.writestr(info, data, compresslevel=9)
            return target
        remove_tree(target)
        for name, data in files.items():
            write_bytes(target / name, data)
        return target
