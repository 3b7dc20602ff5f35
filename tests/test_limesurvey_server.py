"""A real LimeSurvey 6.10.2 in the tests: the package's structure files imported, responses added, every export
mode RemoteControl offers read back with no column map, to the responses added.

The server comes from ``../shared/tools/limesurvey/`` (``$SAMSKAB_SHARED_TOOLS`` overrides; see
``tests/shared_tools.py``): its ``setup_limesurvey.sh`` installs Debian's PHP and MariaDB when missing (root, apt),
extracts the tarball and starts a private MariaDB (unix socket) and ``php -S 127.0.0.1:<port>`` - here in a
private folder of this module's run (``LS_HOME``, a fresh ``tempfile.mkdtemp``) on a free port, so two runs never
share a server. (Not under pytest's own ``tmp_path``: MariaDB runs as user ``mysql``, and every pytest session that
starts on the machine resets ``/tmp/pytest-of-<user>`` to mode 0700, which would lock it out mid-run.) It starts
once per module (about 30 s; the packages are installed by ``.ci/install-system-deps``), ``stop_limesurvey.sh``
stops it after the module, its logs are copied into the module's ``tmp_path`` and the folder is removed. Without
the tools or root, or when PHP and MariaDB cannot be installed, the module is skipped with the reason; a setup
that fails where PHP and MariaDB are installed fails.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from shared_tools import shared_tools

from samskab_analysis.data.count_table import NO_ANSWER, NOT_REACHED
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.data.instrument import load_instrument
from samskab_analysis.fielding.export import export_instrument
from samskab_analysis.fielding.limesurvey import LANGUAGE_CODES
from samskab_analysis.ingest.counts import counts_from_responses
from samskab_analysis.ingest.responses import item_pages, load_responses

pytestmark = pytest.mark.limesurvey

TARBALL = "limesurvey-6.10.2.tar.gz"
SETUP_TIMEOUT = 900
INSTRUMENT = load_instrument()
PAGES = item_pages(INSTRUMENT)
LANGS = ("da", "no", "en")
DOCS = {"csv": "csv", "xls": "xlsx", "json": "json", "spsssav": "sav"}  # RemoteControl document type -> file suffix
HEADINGS = ("code", "full", "abbreviated", "codetext")
ANSWERS = ("short", "long")
STATUSES = ("all", "complete")
N_COMPLETE, INCOMPLETE_PAGES = 9, (2, 1, 0)  # 9 complete responses; 3 stopped after page 2, 1 and before page 1
#: Other LimeSurvey languages: the English survey fielded with their language code; LimeSurvey translates the
#: metadata headings (data/raw/instrument/limesurvey_headings.csv must know them).
OTHER_LANGS = ("de", "fr", "nn", "sv", "ar", "zh-Hans")


@dataclass
class Server:
    home: Path
    tools: Path
    client: object
    surveys: dict[str, int]
    added: dict[str, dict[str, dict[str, str | None]]]  # lang -> response id -> {item: code, '' or None}
    complete: dict[str, set[str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_client_module(tools: Path):
    spec = importlib.util.spec_from_file_location("ls_rpc", tools / "ls_rpc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def credentials(home: Path) -> dict[str, str]:
    text = (home / "run" / "credentials.env").read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def response_rows() -> list[tuple[dict[str, str | None], bool]]:
    """The responses added: complete ones cycling through every code and a blank, incomplete ones with answers
    only up to their last page (later questions NULL), each with its LimeSurvey metadata."""
    rows = []
    for r in range(N_COMPLETE + len(INCOMPLETE_PAGES)):
        last = INCOMPLETE_PAGES[r - N_COMPLETE] if r >= N_COMPLETE else None
        row: dict[str, str | None] = {
            "submitdate": f"2025-06-{1 + r:02d} 10:{r:02d}:45" if last is None else None,
            "lastpage": str(max(PAGES.values()) if last is None else last),
            "startdate": f"2025-06-{1 + r:02d} 10:{r:02d}:00",
            "datestamp": f"2025-06-{1 + r:02d} 10:{r:02d}:30",
        }
        for k, item_id in enumerate(INSTRUMENT.item_ids):
            if last is not None and PAGES[item_id] > last:
                continue  # never reached: not sent, NULL in the response table
            codes = [str(int(c)) for c in INSTRUMENT.scale_rows(INSTRUMENT.items.at[item_id, "scale_id"])["code"]]
            options = [*codes, ""]
            row[INSTRUMENT.survey_code(item_id)] = options[(3 * r + k) % len(options)]
        rows.append((row, last is None))
    return rows


#: The system's temporary folder (not the suite's private one, which only its owner can enter).
SYSTEM_TMP = "/tmp" if os.path.isdir("/tmp") else None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tools = shared_tools("limesurvey")
    if tools is None or not (tools / TARBALL).is_file():
        pytest.skip("LimeSurvey tools not found (../shared/tools/limesurvey/ or $SAMSKAB_SHARED_TOOLS)")
    if os.geteuid() != 0:
        pytest.skip("the LimeSurvey setup needs root (Debian packages, a private MariaDB run as user mysql)")
    if shutil.which("php") is None and shutil.which("apt-get") is None:
        pytest.skip("neither PHP nor apt-get available: run .ci/install-system-deps on a Debian machine")
    # The suite's private TMPDIR lies under /tmp/pytest-of-<user> (mode 0700), which MariaDB (user mysql) cannot
    # pass: the server's folder is a fresh one of its own in the system's temporary folder, with its own TMPDIR.
    installed = shutil.which("php") is not None and any(
        shutil.which(name) or Path("/usr/sbin", name).exists() for name in ("mariadbd", "mysqld")
    )
    home = Path(tempfile.mkdtemp(prefix="samskab-ls-home-", dir=SYSTEM_TMP))
    home.chmod(0o711)  # MariaDB (user mysql) passes through to its own folder run/db
    server_tmp = home / "tmp"
    server_tmp.mkdir()
    server_tmp.chmod(0o1777)  # the database's temporary files (written as user mysql)
    logs = tmp_path_factory.mktemp("limesurvey-logs")
    port = free_port()
    env = {**os.environ, "LS_HOME": str(home), "LS_PORT": str(port), "TMPDIR": str(server_tmp)}
    try:
        done = subprocess.run(
            ["bash", str(tools / "setup_limesurvey.sh"), str(tools / TARBALL), str(port)],
            env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        stop(tools, env, home, logs)
        pytest.skip(f"LimeSurvey setup took longer than {SETUP_TIMEOUT} s")
    if done.returncode != 0:
        stop(tools, env, home, logs)
        tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-6:])
        message = f"LimeSurvey could not be set up (exit {done.returncode}; logs in {logs}): {tail}"
        if installed:  # PHP and MariaDB were there before: a setup that fails is a broken promise, not a skip
            pytest.fail(message)
        pytest.skip(message + " (PHP or MariaDB could not be installed)")
    rpc = load_client_module(tools)
    secret = credentials(home)
    client = rpc.Client(
        url=f"http://127.0.0.1:{port}/index.php/admin/remotecontrol",
        user=secret["LS_ADMIN_USER"],
        password=secret["LS_ADMIN_PASSWORD"],
    )
    try:
        structures = tmp_path_factory.mktemp("structures")
        surveys, added, complete = {}, {}, {}
        for lang in LANGS:
            files, _ = export_instrument(lang, structures / lang, ("limesurvey",))
            sid = client.import_survey(files["limesurvey"])
            client.call("set_survey_properties", sid, {"savetimings": "Y"})
            client.activate(sid)
            added[lang], complete[lang] = {}, set()
            for row, is_complete in response_rows():
                rid = str(client.add_response(sid, {"startlanguage": LANGUAGE_CODES[lang], **row}))
                added[lang][rid] = {i: row.get(INSTRUMENT.survey_code(i)) for i in INSTRUMENT.item_ids}
                if is_complete:
                    complete[lang].add(rid)
            surveys[lang] = sid
        yield Server(home, tools, client, surveys, added, complete)
    finally:
        try:
            client.release()
        except Exception:  # noqa: BLE001 - the server may already be gone; stopping it matters more
            pass
        stop(tools, env, home, logs)


def stop(tools: Path, env: dict[str, str], home: Path, logs: Path) -> None:
    """Stop the server this module started, keep its logs in the module's tmp_path, remove its folder."""
    subprocess.run(["bash", str(tools / "stop_limesurvey.sh")], env=env, capture_output=True, timeout=300)
    for log in [*(home / "run").glob("*.log"), *(home / "run" / "db").glob("*.log"), home / "run/db/mariadb.err"]:
        if log.is_file():
            shutil.copyfile(log, logs / log.name)
    shutil.rmtree(home, ignore_errors=True)


def export(server: Server, tmp_path: Path, lang: str, doc: str, status: str, heading: str, answers: str,
           options: dict | None = None, fields: list[str] | None = None) -> Path:  # fmt: skip
    sid = server.surveys[lang]
    data = server.client.export(sid, doc, LANGUAGE_CODES[lang], status, heading, answers, fields, options)
    path = tmp_path / f"{lang}_{status}_{heading}_{answers}.{DOCS[doc]}"
    path.write_bytes(data)
    return path


def expected(server: Server, lang: str, include_incomplete: bool) -> tuple[list[str], dict[str, list[str]]]:
    """Respondent ids and category ids per item of the responses added."""
    ids = [r for r in server.added[lang] if include_incomplete or r in server.complete[lang]]
    out: dict[str, list[str]] = {}
    for item_id in INSTRUMENT.item_ids:
        scale = INSTRUMENT.scale_rows(INSTRUMENT.items.at[item_id, "scale_id"])
        by_code = {str(int(code)): category for category, code in scale["code"].items()}
        out[item_id] = [
            NOT_REACHED if (code := server.added[lang][r][item_id]) is None else by_code.get(code, "") for r in ids
        ]
    return ids, out


def read(path: Path, include_incomplete: bool = False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_responses(path, INSTRUMENT, include_incomplete=include_incomplete)


def assert_as_added(answers, server: Server, lang: str, include_incomplete: bool) -> None:
    ids, items = expected(server, lang, include_incomplete)
    assert list(answers.index) == ids
    for item_id in INSTRUMENT.item_ids:
        assert answers[item_id].tolist() == items[item_id], item_id
    counts = counts_from_responses(answers, INSTRUMENT)
    for item_id in INSTRUMENT.item_ids:
        rows = counts[counts["item_id"] == item_id]
        got = {c: n for c, n in zip(rows["category_id"], rows["count"], strict=True) if n}
        assert got == dict(Counter(c or NO_ANSWER for c in items[item_id])), item_id


def run_console(server: Server, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    commands = server.home / "app" / "application" / "commands"
    return subprocess.run(["php", "console.php", *args], cwd=commands, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(extra_env or {})})  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_structure_file_imports_warning_free(server, tmp_path, lang):
    """LimeSurvey's own import (importSurveyFile, as the web UI and RemoteControl call it) gives no warning,
    and its command-line import (which stops on a file without ``S sid``) accepts the file."""
    files, _ = export_instrument(lang, tmp_path, ("limesurvey",))
    done = run_console(server, "importdiag", str(files["limesurvey"]),
                       extra_env={"YII_CONSOLE_COMMANDS": str(server.tools / "tools" / "commands")})  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(done.stdout[done.stdout.index("{") :])
    result = report["result"]
    assert result["importwarnings"] == [] and "error" not in result
    assert (result["groups"], result["questions"], result["answers"]) == (6, 18, 13 * 6 + 5 * 3)
    assert report["survey"]["language"] == LANGUAGE_CODES[lang] and report["survey"]["format"] == "G"
    warnings_raised = [w for w in report["php_warnings"] if w.startswith("E2 ") and "importdiag" not in w]
    assert warnings_raised == [], warnings_raised  # E_WARNING (e.g. 'Undefined array key "sid"'); deprecations aside
    copy = tmp_path / f"copy_{lang}.txt"  # the command-line import deletes the file it imported
    shutil.copyfile(files["limesurvey"], copy)
    done = run_console(server, "importsurvey", str(copy))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_surveys_hold_the_package_questions(server):
    for lang, sid in server.surveys.items():
        questions = server.client.list_questions(sid)
        assert sorted(q["title"] for q in questions) == sorted(INSTRUMENT.survey_code(i) for i in INSTRUMENT.item_ids)
        assert len(server.client.list_groups(sid)) == 6
        assert len(server.added[lang]) == 12 and len(server.complete[lang]) == 9


MODES = list(itertools.product(LANGS, DOCS, STATUSES, HEADINGS, ANSWERS))


@pytest.mark.parametrize(("lang", "doc", "status", "heading", "answers"), MODES, ids=["-".join(m) for m in MODES])
def test_every_export_mode_read_to_the_responses_added(server, tmp_path, lang, doc, status, heading, answers):
    path = export(server, tmp_path, lang, doc, status, heading, answers)
    if heading == "abbreviated" and doc != "spsssav":  # SPSS names its variables by code whatever the heading
        with pytest.raises(DataValidationError) as err:
            read(path)
        assert len(err.value.problems) == 1 and "Headings 'Question code'" in str(err.value)
        return
    answers_read = read(path)
    assert_as_added(answers_read, server, lang, include_incomplete=False)
    assert answers_read.attrs["incomplete_left_out"] == (3 if status == "all" else 0)
    assert_as_added(read(path, include_incomplete=True), server, lang, include_incomplete=status == "all")


@pytest.mark.parametrize("heading", ["code", "full", "codetext"])
@pytest.mark.parametrize("doc", ["csv", "json", "xls", "spsssav"])
def test_timing_columns_ignored(server, tmp_path, heading, doc):
    """savetimings: interviewtime, groupTime<gid>, <code>Time - and their translated headings - are not items."""
    sid = server.surveys["da"]
    fieldmap = server.client.fieldmap(sid)
    questions = [k for k, v in fieldmap.items() if v.get("qid")]
    groups = sorted({v["gid"] for v in fieldmap.values() if v.get("gid")}, key=int)
    timings = ["interviewtime", *(f"{sid}X{g}time" for g in groups), *(f"{q}time" for q in questions)]
    path = export(server, tmp_path, "da", doc, "all", heading, "long", fields=[*fieldmap, *timings])
    answers = read(path, include_incomplete=True)
    assert_as_added(answers, server, "da", include_incomplete=True)
    assert len(answers.attrs["ignored_columns"]) == 6 + 1 + 6 + 18  # metadata, total, groups, questions


@pytest.mark.parametrize(
    ("heading", "options", "readable"),
    [
        ("codetext", {"headCodeTextSeparator": ". "}, True),  # the web UI's default separator
        ("codetext", {"headCodeTextSeparator": " :: "}, True),
        ("full", {"headerSpacesToUnderscores": True}, True),
        ("codetext", {"headerSpacesToUnderscores": True, "headCodeTextSeparator": "_"}, True),
        ("code", {"csvFieldSeparator": ","}, True),  # the web UI's default field separator
        ("full", {"csvFieldSeparator": "\t"}, True),
        ("codetext", {"headingTextLength": 15}, False),  # "Text abbreviated" on: texts cut, no separator: refused
        ("codetext", {"headingTextLength": 15, "headCodeTextSeparator": ". "}, True),  # texts cut: the codes decide
        ("full", {"headingTextLength": 15}, True),  # LimeSurvey ignores the length for full headings
    ],
)
def test_export_options_of_the_web_ui(server, tmp_path, heading, options, readable):
    path = export(server, tmp_path, "no", "csv", "all", heading, "long", options=options)
    if not readable:
        with pytest.raises(DataValidationError, match="abbreviated headings"):
            read(path)
        return
    assert_as_added(read(path, include_incomplete=True), server, "no", include_incomplete=True)


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_metadata_headings_of_other_languages(server, tmp_path, lang):
    """The English survey fielded in another LimeSurvey language: its translated metadata headings are known."""
    files, _ = export_instrument("en", tmp_path, ("limesurvey",))
    text = files["limesurvey"].read_text(encoding="utf-8")
    text = re.sub(r"\ten\t", f"\t{lang}\t", text)
    text = re.sub(r"(\tS\t\tsid\t\t)\d+", r"\g<1>", text)  # let LimeSurvey draw an id
    text = text.replace("\tlanguage\t\ten\t", f"\tlanguage\t\t{lang}\t")
    text = text.replace("\tsurveyls_language\t\ten\t", f"\tsurveyls_language\t\t{lang}\t")
    path = tmp_path / f"survey_{lang}.txt"
    path.write_text(text, encoding="utf-8")
    client = server.client
    sid = client.import_survey(path)
    client.activate(sid)
    rows = response_rows()
    for row, _ in rows:
        client.add_response(sid, {"startlanguage": lang, **row})
    for heading in ("full", "codetext"):
        data = client.export(sid, "csv", lang, "all", heading, "short")
        export_path = tmp_path / f"{lang}_{heading}.csv"
        export_path.write_bytes(data)
        header = data.decode("utf-8-sig").splitlines()[0]
        answers = read(export_path, include_incomplete=True)
        assert len(answers) == len(rows) and answers.attrs["completion_column"], header
        assert answers.attrs["incomplete_kept"] == len(INCOMPLETE_PAGES)
        assert len(answers.attrs["ignored_columns"]) == 6 and answers.attrs["id_column"], header
