#!/usr/bin/env python3
"""Issue #18's page timing: time from Enter to the first result grid, in a real
headless Chromium, read from the page's own Performance API marks
(window.taxonTimings: "first-grid" = Enter to the grid in the DOM,
"thumbnails" = Enter to the first 12 thumbnails loaded), beside the same
query asked of the API directly in the same run.

Usage: page_timing.py BASE_URL COLLECTION [--screenshot FILE] [--rounds N]
WebDriver is spoken with urllib (chromedriver from Debian, started here).
"""
import argparse, base64, json, statistics, subprocess, sys, tempfile, time, urllib.request

QUERIES = ["dog", "cat", "bird", "fish", "snake", "insect", "car", "truck", "boat", "bridge",
           "tabby", "goldfish", "bus", "fruit", "container", "instrument", "furniture", "primate", "bear", "building"]

def request(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as answer:
        return json.load(answer)

class Driver:
    def __init__(self, port=47123):
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                if request(self.base + "/status")["value"]["ready"]: break
            except OSError:
                time.sleep(0.1)
        options = {"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=1100,800"]}
        answer = request(self.base + "/session", "POST", {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = self.base + "/session/" + answer["value"]["sessionId"]

    def call(self, method, path, body=None):
        return request(self.session + path, method, body)["value"]

    def run(self, script, *args):
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.run(script)
            if value: return value
            time.sleep(0.02)
        raise TimeoutError(script)

    def type(self, selector, text):
        element = self.call("POST", "/element", {"using": "css selector", "value": selector})
        self.call("POST", "/element/" + list(element.values())[0] + "/value", {"text": text})

    def quit(self):
        try: self.call("DELETE", "")
        finally: self.process.terminate()

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base"); parser.add_argument("collection")
    parser.add_argument("--screenshot"); parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    driver = Driver()
    try:
        driver.call("POST", "/url", {"url": f"{args.base}/#/?c={args.collection}"})
        driver.wait("return document.body.dataset.ready === 'true'")
        driver.run("arguments[0] && (document.querySelector('#collection').value = arguments[0])", args.collection)
        grid, thumbs, api = [], [], []
        for repeat in range(args.rounds + 1):  # round 0 warms the server's caches and the browser
            for word in QUERIES:
                before = driver.run("return window.taxonTimings.length")
                driver.run("document.querySelector('#q').value = ''")
                driver.type("#q", word + "\ue007")
                error = driver.wait(f"return window.taxonTimings.slice({before}).some(t => t.name === 'thumbnails') ? 'ok' : "
                                    "(!document.querySelector('#error').hidden && document.querySelector('#error').textContent)")
                if error != "ok":
                    sys.exit(f"{word}: the page shows an error: {error}")
                timings = driver.run(f"return window.taxonTimings.slice({before})")
                started = time.perf_counter()  # the page's own request, from here
                request(f"{args.base}/v1/collections/{args.collection}/query", "POST", {"positive": [{"concept": word}], "ranking": "semantic-first", "offset": 0, "limit": 40})
                elapsed = (time.perf_counter() - started) * 1000
                if repeat == 0: continue
                grid.append(next(t["ms"] for t in timings if t["name"] == "first-grid"))
                thumbs.append(next(t["ms"] for t in timings if t["name"] == "thumbnails"))
                api.append(elapsed)
        if args.screenshot:
            driver.run("document.querySelector('#q').value = ''")
            driver.type("#q", "tabby\ue007")
            driver.wait("return document.querySelectorAll('#results .card img').length >= 12 && [...document.querySelectorAll('#results .card img')].slice(0, 12).every(i => i.complete)")
            with open(args.screenshot, "wb") as out:
                out.write(base64.b64decode(driver.call("GET", "/screenshot")))
        images = driver.run(f"return fetch('/v1/collections/{args.collection}').then(r => r.json()).then(c => c.images)")
        sizes = driver.run("return Promise.all(['app.js', 'app.css'].map(f => fetch(f).then(r => r.text()).then(t => new Blob([t]).size)))")
    finally:
        driver.quit()
    summary = lambda values: {"p50": round(statistics.median(values), 1), "p95": round(percentile(values, 95), 1), "max": round(max(values), 1)}
    print(json.dumps({"collection": args.collection, "images": images, "queries": len(grid),
                      "enter_to_first_grid_ms": summary(grid), "enter_to_thumbnails_ms": summary(thumbs),
                      "api_query_alone_ms": summary(api), "page_js_bytes": sizes[0], "page_css_bytes": sizes[1]}, indent=2))

if __name__ == "__main__":
    sys.exit(main())
