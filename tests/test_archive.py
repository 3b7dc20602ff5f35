"""The replication package (samskab archive), CITATION.cff and LICENSE."""

from __future__ import annotations

import hashlib
import re
import tomllib
import zipfile

import jsonschema
import pytest
import yaml

import samskab_analysis
from samskab_analysis.cli import main
from samskab_analysis.output import UnsafeOutputError
from samskab_analysis.paths import REPO_ROOT
from samskab_analysis.run.archive import MANIFEST, collect, data_availability, package_name, write_archive

#: The parts of the Citation File Format 1.2.0 schema this repository uses (required keys, types, SPDX licence).
CFF_SCHEMA = {
    "type": "object",
    "required": ["cff-version", "message", "title", "authors"],
    "properties": {
        "cff-version": {"const": "1.2.0"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "type": {"enum": ["software", "dataset"]},
        "version": {"type": ["string", "number"]},
        "license": {"type": "string", "pattern": "^[A-Za-z0-9.+-]+$"},
        "authors": {"$ref": "#/$defs/persons"},
        "references": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "title", "authors"],
                "properties": {"authors": {"$ref": "#/$defs/persons"}, "title": {"type": "string"}},
            },
        },
    },
    "$defs": {
        "persons": {
            "type": "array",
            "minItems": 1,
            "items": {"anyOf": [{"required": ["family-names"]}, {"required": ["name"]}], "type": "object"},
        }
    },
}


@pytest.fixture()
def small_reports(tmp_path):
    reports = tmp_path / "reports"
    (reports / "figures").mkdir(parents=True)
    (reports / "data").mkdir()
    (reports / "figures" / "fig07_da.svg").write_text("<svg/>")
    (reports / "data" / "fig07.csv").write_text("a,b\n1,2\n")
    return reports


def test_citation_cff_is_valid_and_matches_pyproject():
    citation = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(citation, CFF_SCHEMA)
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert str(citation["version"]) == samskab_analysis.__version__ and citation["license"] == project["license"]
    assert citation["references"][0]["authors"][0]["family-names"] == "Ulrich"


def test_license_is_mit_and_data_terms_are_separate():
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    assert "CC BY 4.0" in (REPO_ROOT / "DATA-LICENSE.md").read_text(encoding="utf-8")


def test_data_availability_section_is_extracted():
    text = data_availability((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert text.startswith("## Data availability") and "## Exhibits" not in text and "**Rights.**" in text


def test_archive_zip_is_deterministic_and_complete(tmp_path, small_reports):
    first = write_archive(tmp_path / "a", reports_dir=small_reports)
    second = write_archive(tmp_path / "b", reports_dir=small_reports)
    assert first.name == f"{package_name()}.zip" and first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        inside = {n.split("/", 1)[1]: archive.read(n) for n in names}
    for required in ("datapackage.json", "codebook.md", "DATA_AVAILABILITY.md", "CITATION.cff", "LICENSE",
                     "environment/requirements/constraints.txt", "exhibits/figures/fig07_da.svg",
                     "data/processed/counts.csv", MANIFEST):
        assert required in inside, required
    lines = inside[MANIFEST].decode().splitlines()
    assert len(lines) == len(inside) - 1
    for line in lines:
        sha, name = line.split("  ", 1)
        assert hashlib.sha256(inside[name]).hexdigest() == sha, name


def test_archive_folder_validates_with_frictionless(tmp_path, small_reports):
    from frictionless import validate

    folder = write_archive(tmp_path / "out", zip_file=False, reports_dir=small_reports)
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    assert len(report.tasks) == 6


def test_archive_collects_the_real_exhibits():
    files = collect()
    assert "exhibits/figures/fig07_da.svg" in files and "exhibits/figures/overview_en.png" in files
    assert not any(re.search(r"notebooks/|html/", n) for n in files)


def test_archive_refuses_repo_folders(capsys):
    with pytest.raises(UnsafeOutputError, match="is \\(or contains\\) the project folder"):
        write_archive(REPO_ROOT)
    assert main(["archive", "--out", str(REPO_ROOT / "notebooks")]) == 2
    assert "inside notebooks/, which holds sources" in capsys.readouterr().err
