"""Command line interface: ``samskab data``, ``samskab reproduce`` and friends."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from samskab_analysis import __version__
from samskab_analysis.data.errors import DataValidationError
from samskab_analysis.output import OutputError, claim_output, describe_os_error, shown
from samskab_analysis.paths import (
    LANGS,
    Project,
    ProjectError,
    current_project,
    missing_package_file,
    project_scope,
)

#: Environment variables checked before any command runs: name -> (test, what is allowed).
EPOCH_LIMIT = 253402300799  # 9999-12-31T23:59:59Z


class EnvironmentValueError(Exception):
    """An environment variable with a value samskab cannot use (one message, no traceback)."""


def check_environment(environ: dict[str, str] | None = None) -> None:
    """Refuse environment values that would make every notebook, page or worker fail (one message).

    ``SOURCE_DATE_EPOCH`` (when set) must be whole seconds since 1970 up to the year 9999; ``MPLBACKEND`` (when
    set) must name a matplotlib backend.
    """
    env = os.environ if environ is None else environ
    if "SOURCE_DATE_EPOCH" in env:
        value = env["SOURCE_DATE_EPOCH"]
        if not (value.isascii() and value.isdigit() and int(value) <= EPOCH_LIMIT):
            raise EnvironmentValueError(
                f"SOURCE_DATE_EPOCH={value[:40]!r} is not a time in whole seconds since 1970-01-01 "
                "(e.g. 1700000000); set a valid value or unset it"
            )
    backend = env.get("MPLBACKEND")
    if backend:
        from matplotlib.rcsetup import validate_backend

        try:
            validate_backend(backend)
        except (ValueError, TypeError):
            raise EnvironmentValueError(
                f"MPLBACKEND={backend[:60]!r} is not a matplotlib backend (e.g. Agg); set a valid one or unset it"
            ) from None


def cmd_data(args: argparse.Namespace) -> int:
    """Rebuild data/processed from data/raw."""
    from samskab_analysis.run.processed import build_processed
    from samskab_analysis.study import load_study

    project = current_project()
    data_dir = args.data_dir or project.data_dir
    with claim_output(args.out or project.processed_dir, inputs=(args.assumptions,), input_dirs=(data_dir,)) as out:
        study = load_study(data_dir, assumptions=args.assumptions)
        written = build_processed(study, out)
    for name, path in written.items():
        print(f"{name:>14}: {shown(path)}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Rebuild processed data and execute every notebook into the reports folder."""
    from samskab_analysis.run.runner import reproduce

    return reproduce(args)


def cmd_site(args: argparse.Namespace) -> int:
    """Rebuild reports/site (and reports/pdf) from the executed notebooks."""
    from samskab_analysis.run.site import cmd_site as run_site

    return run_site(args)


def cmd_instrument_export(args: argparse.Namespace) -> int:
    """Write the questionnaire for a survey tool, for print and as a data package."""
    from samskab_analysis.fielding.export import export_instrument, parse_formats

    project = current_project()
    lang = args.lang or project.lang
    written, messages = export_instrument(lang, args.out, parse_formats(args.format), args.data_dir or project.data_dir)
    for name, path in written.items():
        print(f"{name:>12}: {shown(path)}")
    for message in messages:
        print(message)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a respondent file against the instrument and the data package."""
    from samskab_analysis.fielding.validate import validate_file
    from samskab_analysis.run.plan import check_sheet_option

    check_sheet_option(args.sheet, [args.file])
    answers = validate_file(
        args.file, args.data_dir or current_project().data_dir, args.column_map, args.sheet, args.include_incomplete
    )
    left_out = int(answers.attrs.get("incomplete_left_out", 0))
    note = f"; {left_out} incomplete left out, --include-incomplete keeps them" if left_out else ""
    print(f"{args.file}: valid ({len(answers)} respondents, {answers.shape[1]} items{note})")
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    """Write the replication package."""
    from samskab_analysis.run.archive import write_archive

    path = write_archive(args.out, zip_file=not args.folder)
    print(f"archive: {shown(path)}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a new replication project."""
    from samskab_analysis.run.scaffold import init_project, summary

    written = init_project(args.dir, lang=args.lang, from_package=args.from_package, force=args.force)
    print(summary(args.dir, written, args.lang, args.from_package))
    return 0


def version_text() -> str:
    """``samskab <version>`` and the input hash of the packaged study (data, exhibits list, library code, pins).

    It is the hash ``samskab reproduce`` records for the published study (``inputs`` in ``reports/manifest.json``;
    the site shows its first 12 characters), so a run can be matched to the package that made it.
    """
    from samskab_analysis.paths import STUDY_DATA_DIR, is_packaged_study, study_root
    from samskab_analysis.run.manifest import inputs_hash
    from samskab_analysis.run.plan import RunConfig

    config = RunConfig(data_dir=STUDY_DATA_DIR, exhibits=study_root() / "notebooks" / "exhibits.csv")
    digest = inputs_hash(config)
    where = "packaged study" if is_packaged_study() else "study in the checkout"
    return f"samskab {__version__}\nstudy inputs {digest[:12]} (sha256 {digest}; {where}: {study_root()})"


class VersionAction(argparse.Action):
    """``--version``: the version and the packaged study's input hash (computed only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_text())
        parser.exit()


def project_option() -> argparse.ArgumentParser:
    """``--project DIR`` for every subcommand (also accepted before the subcommand)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--project",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the project folder (default: $SAMSKAB_PROJECT, else the nearest samskab.toml upwards, else none: "
        "the packaged study, outputs in ./reports/)",
    )
    return parent


def cmd_explore(args: argparse.Namespace) -> int:
    """Serve the explorer (notebooks/explore.ipynb) as a Voilà app on 127.0.0.1."""
    from samskab_analysis.explore.serve import serve
    from samskab_analysis.paths import check_lang
    from samskab_analysis.run.plan import check_sheet_option

    project = current_project()
    args.lang = check_lang(args.lang or project.lang)
    args.data_dir = args.data_dir or project.data_dir
    check_sheet_option(args.sheet, [args.data] if args.data is not None else [])
    if args.min_count < 0:
        print(f"samskab explore: --min-count must be 0 or more, not {args.min_count}", file=sys.stderr)
        return 2
    target = args.out if args.out is not None else project.scratch_dir / "explore"
    with claim_output(target, inputs=(args.data, args.column_map), input_dirs=(args.data_dir,)) as out:
        given = {"responses": args.data, "data_dir": args.data_dir, "column_map": args.column_map}
        absolute = {k: (str(Path(v).resolve()) if v is not None else None) for k, v in given.items()}
        parameters = {**absolute, "lang": args.lang, "sheet": args.sheet, "min_count": args.min_count,
                      "output_dir": str(out), "item": args.item}  # fmt: skip
        return serve(parameters, args.port, notebook=project.notebook_dir / "explore.ipynb")


class StrictParser(argparse.ArgumentParser):
    """A parser that never accepts abbreviated options (``--forc`` is not ``--force``)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = StrictParser(
        prog="samskab",
        description="Reproduce the Norwegian follow-up survey on co-creation in libraries "
        "(Ulrich & Stabell), or run the same analysis on a new cohort.",
    )
    parser.add_argument("--version", action=VersionAction, help="the version and the packaged study's input hash")
    parser.add_argument("--project", type=Path, default=None, metavar="DIR", help=argparse.SUPPRESS)
    project = [project_option()]
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=StrictParser)
    parser.set_defaults(subparsers=sub.choices)

    data = sub.add_parser("data", help="rebuild data/processed from data/raw", parents=project)
    data.add_argument("--data-dir", type=Path, default=None, help="raw data folder (default: the project's data/raw)")
    data.add_argument("--assumptions", type=Path, default=None, help="CSV replacing the shipped assumptions")
    data.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the project's data/processed)"
    )
    data.set_defaults(func=cmd_data)

    rep = sub.add_parser(
        "reproduce", help="rebuild the data and execute every notebook into reports/", parents=project
    )
    from samskab_analysis.run.runner import add_arguments

    add_arguments(rep)
    rep.set_defaults(func=cmd_reproduce)

    site = sub.add_parser(
        "site", help="rebuild the report's site (da/no/en) and PDFs from the executed notebooks", parents=project
    )
    from samskab_analysis.run.site import add_arguments as site_arguments

    site_arguments(site)
    site.set_defaults(func=cmd_site)

    ins = sub.add_parser("instrument", help="the questionnaire for the next round")
    ins_sub = ins.add_subparsers(dest="instrument_command", metavar="ACTION", required=True, parser_class=StrictParser)
    exp = ins_sub.add_parser(
        "export", help="LimeSurvey structure, Nettskjema codebook, questionnaire, data package", parents=project
    )
    exp.add_argument("--format", default="all", help="limesurvey,nettskjema,html,pdf,datapackage or all (default: all)")
    exp.add_argument("--lang", choices=LANGS, default=None, help="language (default: the project's, else da)")
    exp.add_argument("--out", type=Path, default=None, help="output folder (default: reports/instrument/<lang>/)")
    exp.add_argument("--data-dir", type=Path, default=None, help="raw data folder (default: the project's data/raw)")
    exp.set_defaults(func=cmd_instrument_export)

    val = sub.add_parser("validate", help="check a respondent file before analysis", parents=project)
    val.add_argument("file", type=Path, help="respondent file (CSV/TSV/XLSX/SAV, survey-tool exports)")
    val.add_argument("--column-map", type=Path, default=None, help="CSV mapping file columns to item ids")
    val.add_argument("--sheet", default=None, help="Excel sheet holding the answers")
    val.add_argument("--include-incomplete", action="store_true", help="keep incomplete responses")
    val.add_argument("--data-dir", type=Path, default=None, help="raw data folder (default: the project's data/raw)")
    val.set_defaults(func=cmd_validate)

    exo = sub.add_parser(
        "explore", help="explore the reconstruction (or a cohort) interactively in a browser (Voilà)", parents=project
    )
    exo.add_argument("--data", type=Path, default=None, help="respondent file (default: the published study)")
    exo.add_argument("--lang", choices=LANGS, default=None, help="language (default: the project's, else da)")
    exo.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default: 8866; 0: any free port)")
    exo.add_argument("--item", default="fig09", help="item shown first (default: fig09)")
    exo.add_argument("--column-map", type=Path, default=None, help="CSV mapping file columns to item ids")
    exo.add_argument("--sheet", default=None, help="Excel sheet holding the answers")
    exo.add_argument("--min-count", type=int, default=0, help="suppress counts below this (default: 0, off)")
    exo.add_argument("--out", type=Path, default=None, help="where Save writes (default: reports/scratch/explore/)")
    exo.add_argument("--data-dir", type=Path, default=None, help="raw data folder (default: the project's data/raw)")
    exo.set_defaults(func=cmd_explore)

    arc = sub.add_parser("archive", help="write the replication package for an archive deposit", parents=project)
    arc.add_argument("--out", type=Path, default=None, help="output folder (default: reports/archive/)")
    arc.add_argument("--folder", action="store_true", help="a folder instead of a zip file")
    arc.set_defaults(func=cmd_archive)

    init = sub.add_parser(
        "init",
        help="start a replication project: its own instrument, data/raw/ for answers, notebooks, environment",
    )
    init.add_argument("dir", type=Path, help="the new project's folder (created; must be empty unless --force)")
    init.add_argument("--lang", choices=LANGS, default="da", help="the project's language (default: da)")
    init.add_argument(
        "--from-package",
        action="store_true",
        help="use the installed package's notebooks (no copies; they follow upgrades) instead of editable copies",
    )
    init.add_argument("--force", action="store_true", help="write into an existing non-empty folder")
    init.set_defaults(func=cmd_init)
    return parser


def error_text(err: DataValidationError, project: Project | None) -> str:
    """The message for invalid or missing inputs: a missing package file says so; otherwise the problems
    (each naming its file) and the project they belong to."""
    missing = [m for p in err.problems if (m := missing_package_file(p.file))]
    if missing and len(missing) == len(err.problems):
        return "\n".join(dict.fromkeys(missing))
    where = f"\n  ({project.describe()})" if project is not None else ""
    return f"{err}{where}"


def interrupted(signum, frame) -> None:
    """SIGTERM ends a run like Ctrl-C does: workers stopped, the manifest left valid, one line."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def reader_warnings(command: str) -> Iterator[None]:
    """The input warnings of a command as one ``samskab: …`` line each, once (never Python's warning format with a
    library path); incomplete responses are said by ``reproduce`` and ``validate`` themselves."""
    import warnings

    seen: set[str] = set()
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001 - warnings' API
        from samskab_analysis.ingest.responses import CompletionWarning, IngestWarning  # loaded: it warned

        if not issubclass(category, IngestWarning):
            previous(message, category, filename, lineno, file, line)
            return
        text = str(message).replace(" (include_incomplete=True)", "")
        if text in seen or (issubclass(category, CompletionWarning) and command in ("reproduce", "validate")):
            return
        seen.add(text)
        print(f"samskab: {text}", file=sys.stderr)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``samskab`` console script: every failure is one line on stderr, never a traceback."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a traceback
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # a misspelled option gets the usage of its subcommand, not the top-level one
        target = args.subparsers.get(getattr(args, "command", None) or "", parser)
        target.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    handled = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)
    previous = {sig: signal.signal(sig, interrupted) for sig in handled}
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    project = None
    try:
        check_environment()
        with project_scope(getattr(args, "project", None)) as project, reader_warnings(args.command):
            return int(args.func(args) or 0)
    except ProjectError as err:
        print(f"samskab: {err}", file=sys.stderr)
        return 2
    except DataValidationError as err:
        print(f"samskab: {error_text(err, project)}", file=sys.stderr)
        return 2
    except (OutputError, EnvironmentValueError) as err:
        print(f"samskab: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of our output went away (`samskab ... | head`): nothing more to say
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - output-gate: no file is written (os.devnull)
        return 141
    except OSError as err:  # reading or writing: one sentence, never a traceback
        verb = "write" if getattr(err, "errno", None) in WRITE_ERRNOS else "read"
        print(f"samskab: {describe_os_error(err, verb=verb)}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"samskab {args.command}: out of memory; README (Limits) gives the sizes samskab reads", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"samskab {args.command}: interrupted; finished notebooks kept, manifest valid", file=sys.stderr)
        return 130
    except Exception as err:  # a bug or an input nobody foresaw: still one line (SAMSKAB_DEBUG=1 shows it all)
        if os.environ.get("SAMSKAB_DEBUG") == "1":
            raise
        print(f"samskab {args.command}: unexpected error: {type(err).__name__}: {err} "
              "(SAMSKAB_DEBUG=1 shows where; please report it)", file=sys.stderr)  # fmt: skip
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.signal(signal.SIGINT, previous_int)


#: OS errors that only writing causes (the message says "cannot write").
WRITE_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EEXIST, errno.EISDIR})


if __name__ == "__main__":
    raise SystemExit(main())
