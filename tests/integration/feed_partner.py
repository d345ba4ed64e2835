#!/usr/bin/env python3
"""feed_partner.py — a partner of the relais feed, for the integration tests.

Calls URL (JSON) until "up to date" (204) or --max-calls, applies each batch
to its copy of the students kept in STATE (a JSON file), and checks on the
way that no journal change (seq) arrives twice. With --ack it acknowledges
explicitly (?ack=N, N = the last batch it applied), else implicitly.

Prints "calls=… batches=… items=… status=…" and exits 1 on a protocol error.
"""
import json
import os
import sys
import urllib.error
import urllib.request


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    url, state_path = args[0], args[1]
    max_calls = 1000
    for a in sys.argv[1:]:
        if a.startswith("--max-calls="):
            max_calls = int(a.split("=", 1)[1])
    explicit = "--ack" in sys.argv
    state = {"students": {}, "seqs": [], "last_batch": 0, "full_done": False}
    if os.path.exists(state_path):
        with open(state_path, encoding="utf-8") as f:
            state = json.load(f)
    seqs = set(state["seqs"])
    calls = batches = items = 0
    status = None
    while calls < max_calls:
        calls += 1
        u = url + ("?ack=%d" % state["last_batch"] if explicit else "")
        req = urllib.request.Request(u, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status = r.status
                body = r.read()
        except urllib.error.HTTPError as e:
            status = e.code
            body = e.read()
        if status == 204:
            break
        if status != 200:
            print("unexpected status %d: %s" % (status, body[:200]), file=sys.stderr)
            return 1
        doc = json.loads(body)
        if doc["status"] != "batch":
            break
        if doc["batch"] <= state["last_batch"]:
            # A batch already applied and acknowledged: the protocol broke.
            print("batch %d received again after %d" % (doc["batch"], state["last_batch"]),
                  file=sys.stderr)
            return 1
        for it in doc["items"]:
            if it["kind"] != "student":
                continue
            sid = str(it["id"])
            if "seq" in it:
                if it["seq"] in seqs:
                    print("change %d received twice" % it["seq"], file=sys.stderr)
                    return 1
                seqs.add(it["seq"])
            fields = it.get("fields", {})
            if it["op"] == "deactivate":
                state["students"].pop(sid, None)
            elif it["op"] in ("full", "create", "restore"):
                state["students"][sid] = fields
            else:
                state["students"].setdefault(sid, {}).update(fields)
            items += 1
        state["last_batch"] = doc["batch"]
        batches += 1
    state["seqs"] = sorted(seqs)
    with open(state_path, "w", encoding="utf-8") as f:
        json.dump(state, f)
    print("calls=%d batches=%d items=%d status=%s" % (calls, batches, items, status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
