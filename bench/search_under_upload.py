"""Search latency on a running taxon serve without and with uploads: one client
sends queries back to back (POST /v1/collections/{name}/query, one photo of the
collection as the example, a page of 20) for SECONDS, first alone, then while 2
clients upload photos (16 per multipart request, in a loop) to a new collection;
prints p50/p99 of each phase and their ratio. The uploaders are processes of their
own, so that the searching client never waits for their interpreter lock.
TAXON_BENCH_TAIL=1 also prints where the slowest queries lie (p90 … max).
Usage: search_under_upload.py BASE_URL COLLECTION STORE UPLOAD_COLLECTION ADMIN_TOKEN FOLDER [SECONDS]"""
from serving import wait_until_up
import json, multiprocessing, os, random, sqlite3, statistics, sys, time, urllib.request, uuid

base, collection, store, target, token, folder = sys.argv[1:7]
seconds = float(sys.argv[7]) if len(sys.argv) > 7 else 20
wait_until_up(base)

ids = [row[0] for row in sqlite3.connect(store).execute(
    "select image.id from image join collection on collection.id = image.collection_id where collection.name = ?", (collection,))]
random.seed(1)

def call(method, path, body=None, headers=None):
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.read()

def searches(duration):
    times, end = [], time.perf_counter() + duration
    while time.perf_counter() < end:
        body = json.dumps({"positive": [{"image": random.choice(ids)}], "limit": 20}).encode()
        start = time.perf_counter()
        call("POST", "/v1/collections/%s/query" % collection, body, {"Content-Type": "application/json"})
        times.append(time.perf_counter() - start)
    return times

def summary(times):
    times = sorted(times)
    if os.environ.get("TAXON_BENCH_TAIL"):  # where the slowest queries lie
        print("   tail (ms): " + ", ".join("p%g %.1f" % (q, times[int(q / 100 * (len(times) - 1))] * 1000) for q in (90, 95, 98, 99, 99.5, 99.9, 100)))
    return statistics.median(times) * 1000, times[int(0.99 * (len(times) - 1))] * 1000, len(times)

auth = {"Authorization": "Bearer " + token}
call("PUT", "/v1/collections/" + target, json.dumps({"embedding": "unitsphere"}).encode(), {**auth, "Content-Type": "application/json"})
files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))
searches(2)  # the collection is loaded by the first query
alone = summary(searches(seconds))
print("== searches alone: p50 %.1f ms, p99 %.1f ms (%d queries in %.0f s)" % (alone[0], alone[1], alone[2], seconds))

def uploader(offset, stop, uploaded):
    n = offset
    while not stop.is_set():
        batch = [files[(n + i) % len(files)] for i in range(16)]
        n += 32
        boundary = uuid.uuid4().hex
        body = b"".join((f"--{boundary}\r\nContent-Disposition: form-data; name=\"p\"; filename=\"{i}.jpg\"\r\n\r\n").encode()
                        + open(path, "rb").read() + b"\r\n" for i, path in enumerate(batch)) + f"--{boundary}--\r\n".encode()
        call("POST", "/v1/collections/%s/images" % target, body, {**auth, "Content-Type": "multipart/form-data; boundary=" + boundary})
        with uploaded.get_lock():
            uploaded.value += len(batch)

stop, uploaded = multiprocessing.Event(), multiprocessing.Value("i", 0)
clients = [multiprocessing.Process(target=uploader, args=(o, stop, uploaded)) for o in (0, 16)]
for c in clients: c.start()
time.sleep(1)
busy = summary(searches(seconds))
stop.set()
for c in clients: c.join()
print("== searches while 2 clients upload: p50 %.1f ms, p99 %.1f ms (%d queries; %d photos uploaded meanwhile)" % (busy[0], busy[1], busy[2], uploaded.value))
print("== p99 with uploads / p99 alone: %.2f× (issue #17's ceiling: 2×)" % (busy[1] / alone[1]))
