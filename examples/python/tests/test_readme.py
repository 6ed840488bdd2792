"""The README's Python examples run (from examples/python, as the README
says) and print exactly the text block that follows each of them."""

import os
import re
import subprocess
import sys
import unittest

from helpers import HERE

README = os.path.join(HERE, "..", "README.md")
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


class ReadmeExamples(unittest.TestCase):

    def test_examples_run_and_print_what_the_readme_says(self):
        found = examples()
        self.assertEqual(len(found), 3)
        for n, (code, want) in enumerate(found, 1):
            with self.subTest(example=n):
                proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, timeout=60,
                                      cwd=os.path.join(HERE, ".."))
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(proc.stderr, "")
                self.assertEqual(proc.stdout, want)


if __name__ == "__main__":
    unittest.main()
