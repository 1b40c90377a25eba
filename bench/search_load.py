"""Latency and throughput of POST /v1/collections/{name}/query on running taxon serve processes:
semantic-first queries by one indexed photo (seeded ids from FIRST_ID to FIRST_ID + COUNT - 1), ten results,
with or without a `within` filter. With one, latency also prints the p50 of the queries whose photo lies inside
the filter's branch and of those outside it (its concept: its label, else its top class; as the database files it).
Usage: search_load.py latency BASE_URL COLLECTION FIRST_ID COUNT QUERIES [WITHIN]
       search_load.py throughput BASE_URL[,BASE_URL…] COLLECTION FIRST_ID COUNT SECONDS CLIENTS [WITHIN]"""
from serving import wait_until_up
import json, random, sys, threading, time, urllib.request


def query(base, collection, image_id, within, timeout=60):
    body = {"positive": [{"image": image_id}], "ranking": "semantic-first", "limit": 10}
    if within:
        body["within"] = [within]
    request = urllib.request.Request(f"{base}/v1/collections/{collection}/query", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.load(response)
    if not answer["results"] and answer["total"] > 0:
        raise SystemExit(f"image {image_id}: no results of {answer['total']}")


def get(base, path):
    with urllib.request.urlopen(f"{base}{path}", timeout=60) as response:
        return json.load(response)


def inside(base, image_id, within):
    """Whether the photo's concept is the filter's concept or lies under it."""
    image = get(base, f"/v1/images/{image_id}")
    key = image.get("label") or image["top_classes"][0]["wnid"]
    wanted = get(base, f"/v1/concepts/{within}")["key"]
    return key == wanted or any(a["key"] == wanted for a in get(base, f"/v1/concepts/{key}/ancestors"))


def p50(times):
    return sorted(times)[len(times) // 2] if times else float("nan")


def latency(base, collection, first, count, queries, within=None):
    wait_until_up(base)
    rng = random.Random(1)
    ids = [first + rng.randrange(count) for _ in range(queries + 5)]
    for image_id in ids[:5]:  # warm: the engine (a million photos load in minutes), the caches
        query(base, collection, image_id, within, timeout=1800)
    times, where = [], []
    for image_id in ids[5:]:
        start = time.perf_counter()
        query(base, collection, image_id, within)
        times.append((time.perf_counter() - start) * 1000)
        where.append(within is not None and inside(base, image_id, within))
    split = ""
    if within:
        ins = [t for t, i in zip(times, where) if i]
        outs = [t for t, i in zip(times, where) if not i]
        split = f"; photo inside the branch ({len(ins)}): p50 {p50(ins):.1f} ms, outside ({len(outs)}): p50 {p50(outs):.1f} ms"
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{queries} queries{' within ' + within if within else ''}: p50 {p50(times):.1f} ms, p99 {p99:.1f} ms{split}")


def throughput(bases, collection, first, count, seconds, clients, within=None):
    bases = bases.split(",")
    for base in bases:
        wait_until_up(base)
        query(base, collection, first, within, timeout=1800)
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(n):
        rng = random.Random(n)
        base = bases[n % len(bases)]
        while time.perf_counter() < stop:
            query(base, collection, first + rng.randrange(count), within)
            done[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{len(bases)} server(s), {clients} clients, {seconds} s: {sum(done) / seconds:.1f} queries/s")


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "latency":
        latency(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), *args[5:6])
    else:
        throughput(args[0], args[1], int(args[2]), int(args[3]), float(args[4]), int(args[5]), *args[6:7])
