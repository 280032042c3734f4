"""The reference every benchmark is a ratio to: a bare Flask endpoint, served by the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
