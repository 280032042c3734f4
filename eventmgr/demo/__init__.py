"""Demonstration data from the seed texts."""


def load_demo(echo=print) -> str:
    raise RuntimeError("demo data not written yet")
