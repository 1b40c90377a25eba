"""What the fetch scripts share: `pip download` of one package, and the
private virtual environment .cache/py (never the system Python) for the
modules that converting it needs."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache" / "py"


def download(spec: str, directory: str, *options: str) -> pathlib.Path:
    """The one file `pip download --no-deps` writes into an empty `directory`."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *options, spec, "-d", directory], check=True)
    return next(pathlib.Path(directory).iterdir())


def venv_python(*modules: str) -> pathlib.Path:
    """.cache/py's interpreter, created if missing, with `modules` installed if any fails to import."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if subprocess.run([str(python), "-c", "import " + ", ".join(modules)], capture_output=True).returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *modules], check=True)
    return python
