"""``samskab archive``: a replication package for an archive deposit (zip or folder).

Contents (paths inside the package):

* ``datapackage.json`` + ``respondents.csv`` + ``codes.csv``: the Frictionless Data Package of the respondent
  file (from ``data/raw/instrument/``), extended by the processed tables ``data/processed/*.csv`` (schemas
  inferred by frictionless) - ``frictionless validate datapackage.json`` accepts it;
* ``codebook.md`` (``data/raw/README.md``) and ``DATA_AVAILABILITY.md`` (the README's statement);
* ``exhibits/``: the rendered figures (SVG, PNG) and the tables behind them (``reports/data``), and the
  exhibit list ``notebooks/exhibits.csv``;
* ``environment/``: ``requirements/constraints.txt``, ``requirements.txt``, ``environment.yml``,
  ``pyproject.toml`` (those the project or the study has);
* ``CITATION.cff``, ``LICENSE``, ``DATA-LICENSE.md``;

Each file comes from the project when it has one (a project made by ``samskab init`` has its own README with
its data availability statement, CITATION.cff and environment), else from the study; the processed tables
are the project's (``samskab reproduce`` or ``samskab data`` wrote them), else the packaged study's.
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
from samskab_analysis.paths import REPORTS_DIR, current_project, study_root

ARCHIVE_DIR = REPORTS_DIR / "archive"
EXHIBIT_PATTERNS = ("figures/*.svg", "figures/*.png", "data/*.csv")
ENVIRONMENT = ("requirements/constraints.txt", "requirements.txt", "environment.yml", "pyproject.toml")
ROOT_FILES = ("CITATION.cff", "LICENSE", "DATA-LICENSE.md")
MANIFEST = "MANIFEST.sha256"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: The statement's heading in the study's README and in a project's (``samskab init``: da, no or en).
STATEMENT_HEADINGS = ("Data availability", "Erklæring om datatilgængelighed", "Erklæring om datatilgjengelighet")
STATEMENT = re.compile(rf"^## (?:{'|'.join(STATEMENT_HEADINGS)}).*?(?=^## )", re.DOTALL | re.MULTILINE)


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


def project_file(name: str) -> Path | None:
    """*name* (a path relative to the project root) from the project when it has it, else from the study."""
    project = current_project()
    for base in ([project.root] if project.is_project else []) + [study_root()]:
        if (base / name).is_file():
            return base / name
    return None


def processed_tables() -> list[Path]:
    """The processed tables: the project's (written by its last run), else the packaged study's."""
    project = current_project()
    for folder in (project.processed_dir, study_root() / "data" / "processed"):
        found = sorted(Path(folder).glob("*.csv"))
        if found:
            return found
    return []


def collect(data_dir: Path | None = None, reports_dir: Path | None = None) -> dict[str, bytes]:
    """Every file of the package (path inside the package -> bytes), manifest excluded."""
    project = current_project()
    data_dir = Path(data_dir or project.data_dir)
    reports_dir = Path(reports_dir or project.reports_dir)
    instrument = load_instrument(data_dir)
    files: dict[str, bytes] = {}
    processed = {p.name: p.read_bytes() for p in processed_tables()}
    descriptor = package_descriptor(instrument, "en", processed_resources(processed))
    descriptor["name"] = "samskab-replication"
    descriptor["title"] = "Samskabelse follow-up survey: replication package"
    descriptor["version"] = __version__
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode()
    files["respondents.csv"] = csv_text([ID_FIELD, *instrument.item_ids], []).encode()
    files["codes.csv"] = csv_text(list(CODE_COLUMNS), codes_table(instrument).values.tolist()).encode()
    files.update({f"data/processed/{k}": v for k, v in processed.items()})
    files["codebook.md"] = (Path(data_dir) / "README.md").read_bytes()
    readmes = [p for p in (project_file("README.md"), study_root() / "README.md") if p is not None and p.is_file()]
    statements = [data_availability(p.read_text(encoding="utf-8")) for p in readmes]
    files["DATA_AVAILABILITY.md"] = next((s for s in statements if s), "").encode()
    for pattern in EXHIBIT_PATTERNS:
        for path in sorted(Path(reports_dir).glob(pattern)):
            files[f"exhibits/{path.relative_to(reports_dir).as_posix()}"] = path.read_bytes()
    files["exhibits/exhibits.csv"] = project.exhibits_file.read_bytes()
    for name in ENVIRONMENT:
        path = project_file(name)
        if path is not None:
            files[f"environment/{name}"] = path.read_bytes()
    for name in ROOT_FILES:
        path = project_file(name)
        if path is None:
            raise FileNotFoundError(f"{name} is in neither the project nor the study ({study_root()})")
        files[name] = path.read_bytes()
    return dict(sorted(files.items()))


def manifest(files: dict[str, bytes]) -> bytes:
    """``<sha256>  <path>`` per file, sorted by path (the format ``sha256sum -c`` reads)."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()


def write_archive(
    out_dir: str | Path | None = None,
    *,
    zip_file: bool = True,
    data_dir: Path | None = None,
    reports_dir: Path | None = None,
) -> Path:
    """Write the package as ``<out>/samskab-replication-<version>.zip`` (or a folder of that name).

    Defaults: the project's raw data and reports; the zip goes to the project's ``reports/archive/``.
    """
    project = current_project()
    reports = Path(reports_dir or project.reports_dir).resolve()
    data = Path(data_dir or project.data_dir)
    target_dir = out_dir if out_dir is not None else project.reports_dir / "archive"
    with claim_output(target_dir, inputs=(reports,), input_dirs=(data,)) as out:
        files = collect(data, reports)  # everything is read before anything is written
        files[MANIFEST] = manifest(files)
        target = out / (package_name() + (".zip" if zip_file else ""))
        if zip_file:
            with atomic_open(target, "wb") as handle:
                with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
                    for name, data_bytes in sorted(files.items()):
                        info = zipfile.ZipInfo(f"{package_name()}/{name}", date_time=ZIP_DATE)
                        info.external_attr = 0o644 << 16
                        info.compress_type = zipfile.ZIP_DEFLATED
                        archive.writestr(info, data_bytes, compresslevel=9)
            return target
        remove_tree(target)
        for name, data_bytes in files.items():
            write_bytes(target / name, data_bytes)
        return target
