"""Build shim: the wheel carries the top-level templates/ folder as the data-only package mentoring/templates.

setup.cfg holds the metadata and dependencies; only this mapping cannot be written there next to `find:`.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["mentoring", "mentoring.*", "matching", "matching.*"]), "mentoring.templates"],
    package_dir={"mentoring.templates": "templates"},
)
