"""Latency of POST /v1/collections/{name}/query on a running taxon serve:
one query with feedback (a photo, 4 judged positives, 4 negatives), the same
with a taxonomy filter, and a batch of 100 such queries. Image ids and their
labels come from the store (the folder of each photo is its wnid).
Usage: query_latency.py BASE_URL COLLECTION STORE"""
from serving import wait_until_up
import json, random, sqlite3, statistics, sys, time, urllib.request

base, collection, store = sys.argv[1:4]
wait_until_up(base)

db = sqlite3.connect(store)
rows = db.execute("select image.id, image.path from image join collection on collection.id = image.collection_id where collection.name = ?",
                  (collection,)).fetchall()
by_class = {}
for image_id, path in rows:
    by_class.setdefault(path.split("/")[0], []).append(image_id)
classes = sorted(by_class)
random.seed(1)

def body(within=None):
    c = random.choice(classes)
    same = random.sample(by_class[c], 5)
    others = [random.choice(by_class[random.choice(classes)]) for _ in range(4)]
    q = {"positive": [{"image": i} for i in same], "negative": [{"image": i} for i in others], "limit": 20}
    if within:
        q["within"] = [within]
    return q

def post(path, payload):
    request = urllib.request.Request(base + path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.perf_counter() - start

route = "/v1/collections/%s/query" % collection
post(route, body())  # loads the engine
def median_ms(make, n=200):
    return statistics.median(post(route, make()) for _ in range(n)) * 1000
# Alternate the two kinds in the same run, so drift hits both alike.
plain, filtered = [], []
for _ in range(5):
    plain.append(median_ms(body, 40))
    filtered.append(median_ms(lambda: body("organism.n.01"), 40))
print("one query with feedback (5 positives, 4 negatives, limit 20): median %.1f ms" % statistics.median(plain))
print("the same within organism.n.01: median %.1f ms (%.0f %% of unfiltered)" % (statistics.median(filtered), 100 * statistics.median(filtered) / statistics.median(plain)))
batches = [post(route + "/batch", {"queries": [body() for _ in range(100)]}) for _ in range(5)]
print("a batch of 100 such queries: median %.2f s (runs: %s)" % (statistics.median(batches), ", ".join("%.2f" % b for b in batches)))
