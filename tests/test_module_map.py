"""The module map a newcomer can guess: blueprints and template folders are named after their package."""

import importlib
from pathlib import Path

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
