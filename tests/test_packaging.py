"""An installed eventmgr (a wheel, not this checkout) has its templates, migrations and static files."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVE_A_PAGE = """
import eventmgr, sys
from flask_migrate import upgrade
assert eventmgr.__file__.startswith(sys.argv[1]), eventmgr.__file__  # the installed copy, not the checkout
app = eventmgr.create_app({"SECRET_KEY": "packaging test", "PUBLIC_URL": "http://localhost"})
with app.app_context():
    upgrade()
client = app.test_client()
page = client.get("/")
assert page.status_code == 200 and "eventmgr" in page.text, page.status_code
assert client.get("/static/eventmgr.css").status_code == 200
print("served")
"""


def test_an_installed_wheel_migrates_and_serves_a_page(tmp_path):
    # Built from a copy: pip builds in the source tree, and this checkout's build/ must neither change nor count.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "instance", "*.egg-info", "node_modules", "test-artifacts", "__pycache__"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("eventmgr-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("eventmgr/templates/base.html", "eventmgr/migrations/env.py", "eventmgr/static/eventmgr.css"):
        assert expected in names, expected
    assert any(name.startswith("eventmgr/migrations/versions/0001") for name in names)
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"  # not the checkout: nothing of it can be found from here
    work.mkdir()
    env = os.environ | {"PYTHONPATH": str(site), "EVENTMGR_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SERVE_A_PAGE, str(site)], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "served" in result.stdout
