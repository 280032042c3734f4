"""The module map a newcomer can guess: blueprints and template folders are named after their package."""

import ast
import importlib
from pathlib import Path

import pytest

import eventmgr

TEMPLATES = Path(eventmgr.__file__).resolve().parent.parent / "templates"
#: Folders and files every feature shares; everything else in templates/ belongs to one package.
SHARED_TEMPLATES = {"base.html", "_macros", "errors", "email", "pdf"}


def test_every_blueprint_is_named_after_its_package_and_exported_by_it(app):
    for name, blueprint in app.blueprints.items():
        package = blueprint.import_name.split(".")[1]  # eventmgr.<package>.<module>
        assert name == package or name.startswith(f"{package}_"), name
        exported = "bp" if name == package else f"{name.removeprefix(package + '_')}_bp"
        assert getattr(importlib.import_module(f"eventmgr.{package}"), exported) is blueprint, name


def test_every_template_folder_is_a_shared_one_or_a_package(app):
    packages = {blueprint.import_name.split(".")[1] for blueprint in app.blueprints.values()}
    for entry in TEMPLATES.iterdir():
        assert entry.name in SHARED_TEMPLATES | packages, entry.name


def test_a_sub_folder_of_templates_is_a_blueprint_of_its_package(app):
    """templates/events/manage/ belongs to the blueprint events_manage, and so on."""
    for package in {blueprint.import_name.split(".")[1] for blueprint in app.blueprints.values()}:
        folder = TEMPLATES / package
        for sub in folder.iterdir() if folder.is_dir() else ():
            if sub.is_dir():
                assert f"{package}_{sub.name}" in app.blueprints, sub


SERVICES = sorted((TEMPLATES.parent / "eventmgr").glob("*/services.py")) + [
    TEMPLATES.parent / "eventmgr" / "registration" / "desk.py"
]


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_services_leave_the_commit_to_the_caller_and_never_read_the_request(path):
    """Views, CLI commands and the worker commit once; links come from eventmgr.urls, not the request's host."""
    tree = ast.parse(path.read_text())
    commits = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]
    from_flask = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask"
        for alias in node.names
    }
    assert commits == [], f"commit() at lines {commits}"
    assert not from_flask & {"request", "url_for", "session"}, from_flask
