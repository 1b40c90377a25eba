"""Uploads every .jpg of a folder to a new collection of a running taxon serve,
16 photos per multipart request from 2 client threads, and prints photos/s.
Usage: upload_photos.py BASE_URL COLLECTION ADMIN_TOKEN FOLDER"""
from serving import wait_until_up
import json, os, sys, threading, time, urllib.request, uuid

base, name, token, folder = sys.argv[1:5]
wait_until_up(base)
auth = {"Authorization": "Bearer " + token}

def call(method, path, body=None, headers=None):
    request = urllib.request.Request(base + path, data=body, method=method, headers={**auth, **(headers or {})})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")

call("PUT", "/v1/collections/" + name, json.dumps({"embedding": "unitsphere", "descriptor": "gem"}).encode(), {"Content-Type": "application/json"})
files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))
batches = [files[i:i + 16] for i in range(0, len(files), 16)]
uploaded = []

def worker(mine):
    for batch in mine:
        boundary = uuid.uuid4().hex
        body = b""
        for n, path in enumerate(batch):
            with open(path, "rb") as f:
                body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"p{n}\"; filename=\"{n}.jpg\"\r\n"
                         f"Content-Type: image/jpeg\r\n\r\n").encode() + f.read() + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        answer = call("POST", "/v1/collections/%s/images" % name, body, {"Content-Type": "multipart/form-data; boundary=" + boundary})
        uploaded.extend(answer["images"])

start = time.perf_counter()
threads = [threading.Thread(target=worker, args=(batches[i::2],)) for i in range(2)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
print("== uploads over HTTP: %d photos in %.1f s = %.1f photos/s (16 a request, 2 client threads)" % (len(uploaded), elapsed, len(uploaded) / elapsed))
