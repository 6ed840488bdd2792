"""The README's Python examples run (from bindings/python, as the README
says) and print exactly the text block that follows each of them."""

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
README = os.path.join(PACKAGE, "README.md")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)


def examples():
    """[(python code, expected output or None)] in README order."""
    with open(README, encoding="utf-8") as f:
        blocks = BLOCK.findall(f.read())
    out = []
    for i, (lang, body) in enumerate(blocks):
        if lang == "python":
            follows = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
            out.append((body, follows[1] if follows[0] == "text" else None))
    return out


def test_three_examples():
    assert len(examples()) == 3


@pytest.mark.parametrize("n", range(3))
def test_example_runs_and_prints_what_the_readme_says(n, tmp_path):
    code, want = examples()[n]
    # Run in a scratch copy of the folder layout, so files an example
    # writes (demo.zone) stay out of the source tree.
    work = tmp_path / "bindings" / "python"
    work.mkdir(parents=True)
    shutil.copytree(os.path.join(PACKAGE, "..", "..", "examples", "demo"),
                    tmp_path / "examples" / "demo")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=str(work))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == want
