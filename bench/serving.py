"""What the benchmark clients of a running taxon serve share."""
import time, urllib.request


def wait_until_up(base, seconds=60):
    """Returns once GET /healthz answers (the server may still be loading its store)."""
    for _ in range(int(seconds * 10)):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(base + " did not come up")
