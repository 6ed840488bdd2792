"""`pip install --no-build-isolation` of the package (offline: setuptools
and wheel from Debian's python3-setuptools and python3-wheel) into a
scratch --target; the installed copy imports, carries py.typed, and
verifies through the same library."""

import os
import shutil
import subprocess
import sys

from helpers import DEMO, ROOT

PACKAGE = os.path.join(ROOT, "bindings", "python")


def test_pip_install_and_import(tmp_path):
    # Built from a copy, so that the source tree gets no build/ or egg-info.
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src, ignore=shutil.ignore_patterns(
        "__pycache__", "build", "*.egg-info", ".pytest_cache"))
    target = tmp_path / "site"
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_ROOT_USER_ACTION="ignore")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                           "--no-deps", "--no-cache-dir", "--target", str(target), str(src)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pkg = target / "mailauth"
    assert (pkg / "py.typed").is_file()
    assert (pkg / "__init__.py").is_file()
    assert not (pkg / "tests").exists()
    code = (
        "import mailauth, sys\n"
        "assert mailauth.__file__.startswith(sys.argv[1]), mailauth.__file__\n"
        "msg = open(sys.argv[2] + '/message.eml', 'rb').read()\n"
        "r = mailauth.verify(msg, ip='198.51.100.17', helo='out1.mailer.example.net',\n"
        "                    mail_from='alice@example.org', authserv_id='mx.example.net',\n"
        "                    zone=sys.argv[2] + '/example.zone')\n"
        "print(mailauth.__version__, r['dmarc']['result'], r['dkim'][0]['result'])\n")
    env["PYTHONPATH"] = str(target)
    run = subprocess.run([sys.executable, "-c", code, str(target), DEMO], capture_output=True,
                         text=True, timeout=60, env=env, cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout == "1.1.0 pass pass\n"
