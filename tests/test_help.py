"""--help texts name the defaults the code uses: read from the constants, so a changed default cannot leave a stale
help behind (the backend default moved to onnx, the 'same concept' cut-off to 0.52, while the texts said otherwise)."""
from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search.concepts import DEFAULT_THRESHOLDS
from glossary_search.embedder import BACKENDS, DEFAULT_BACKEND, DEFAULT_MODEL

from .conftest import ROOT

SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.py") if p.name != "benchmark.py")  # benchmark.py: a harness
SEARCHING = [name for name, command in cli.cli.commands.items()
             if any(p.name == "backend" for p in command.params)]


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli.cli, [*args, "--help"], terminal_width=1000, max_content_width=1000)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_duplicates_help_names_the_same_concept_cut_off_in_use():
    assert f"(default: calibrated, {DEFAULT_THRESHOLDS.same:.2f})" in _help("duplicates")


@pytest.mark.parametrize("command", SEARCHING)
def test_every_searching_command_defaults_to_the_embedders_backend_and_model(command):
    backend = next(p for p in cli.cli.commands[command].params if p.name == "backend")
    assert backend.default == DEFAULT_BACKEND and set(backend.type.choices) == set(BACKENDS)
    assert f"[default: {DEFAULT_BACKEND}]" in _help(command)
    assert f"(default, {DEFAULT_MODEL})" in _help(command)


def test_every_cli_option_says_what_it_does():
    def commands(group: click.Group, path: tuple[str, ...] = ()):
        for name, command in group.commands.items():
            yield (*path, name), command
            if isinstance(command, click.Group):
                yield from commands(command, (*path, name))

    for path, command in commands(cli.cli):
        _help(*path)  # every help page renders
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help or getattr(param, "help_from", None), f"{' '.join(path)} {param.opts}"


def test_the_cli_help_does_not_import_the_concept_maths():
    code = "import sys, glossary_search.cli; print('glossary_search.concepts' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_answers_help_and_says_its_options(script):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0 and out.stdout.strip(), out.stderr[-500:]
    text = " ".join(out.stdout.split())
    other = next(b for b in BACKENDS if b != DEFAULT_BACKEND)
    assert f"{other} (default)" not in text
    if script.name == "evaluate.py":
        assert f"(default: {DEFAULT_BACKEND})" in text
