#!/usr/bin/env python3
"""What left the page, from Chromium's net log (--log-net-log) and the
recording proxy's log (recorder.py):

    page URL        a request the page made: its initiator is an origin
                    (a file:// page's is "null"), where the browser's own
                    requests (updates, sign-in) have "not an origin"
    unaccounted X   a request the proxy saw for host X that the net log does
                    not give as the browser's own

Nothing printed: no request left the page.

    netlog.py NETLOG.json PROXY.log
"""
import json, sys
from urllib.parse import urlsplit

log = json.load(open(sys.argv[1]))
types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
own = set()
for e in log["events"]:
    if types.get(e["type"]) != "URL_REQUEST_START_JOB":
        continue
    p = e.get("params", {})
    url = p.get("url")
    if url is None:
        continue    # the event's end: its start had the url
    if p.get("initiator") == "not an origin":
        own.add(urlsplit(url).hostname)
    elif not url.startswith("file:"):
        print("page", url)
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) < 2:
        continue
    target = parts[1]
    host = target.split(":")[0] if parts[0] == "CONNECT" else urlsplit(target).hostname
    if host not in own:
        print("unaccounted", host)
