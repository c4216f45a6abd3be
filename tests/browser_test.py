#!/usr/bin/python3
"""The readers' pages in a real browser (headless Chromium via Selenium).

Starts the real daemon against feeds served on loopback (tests/fixtures/
browser: Greek, Russian, Arabic, Portuguese and Turkish items, plus a
source that answers 404), then opens the front page, a topic page, search
results and /status at 390 px (a phone) and 1280 px (a laptop) and checks
that

  * nothing overflows sideways: scrollWidth <= innerWidth;
  * every same-origin link answers 200, and the only links off the site are
    items' own (class "item");
  * each page shows the items' text in every script it should;

and saves a screenshot of each page at each width. The same words reach
/search as raw UTF-8 bytes (as newsboat sends them) and percent-encoded,
and both get the same feed.

  browser_test.py --binary build/redwire [--screenshots DIR]
"""

import argparse
import base64
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "browser")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FEEDS = ["rizospastis.rss", "kprf.rss", "lcparty.rss", "pcp.rss", "tkp.rss"]
ITEMS = 12  # in the five fixture feeds together
WIDTHS = {390: 844, 1280: 900}  # viewport width -> height

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAILED:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FixtureHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=FIXTURES, **kwargs)

    def guess_type(self, path):
        if path.endswith(".rss"):
            return "application/rss+xml; charset=utf-8"
        return super().guess_type(path)

    def log_message(self, *args):
        pass


def config(origin, port):
    sources = [
        ("rizospastis", "Ριζοσπάστης", "rizospastis.rss", "el"),
        ("kprf-msk", "КПРФ — Москва", "kprf.rss", "ru"),
        ("lcparty", "الحزب الشيوعي اللبناني", "lcparty.rss", "ar"),
        ("pcp", "Partido Comunista Português (PCP)", "pcp.rss", "pt"),
        ("tkp", "Türkiye Komünist Partisi (TKP)", "tkp.rss", "tr"),
        ("cpusa", "Communist Party USA", "missing.rss", "en"),
    ]
    text = "[redwire]\nfeed_entries = 20\n\n"
    for sid, name, path, lang in sources:
        text += (f'[[source]]\nid = "{sid}"\nname = "{name}"\nurl = "{origin}/{path}"\n'
                 f'every = "1h"\nlang = "{lang}"\nallow_private = true\n\n')
    text += """
[[topic]]
id = "cuba-solidarity"
title = "Cuba solidarity"
match = 'cuba* OR κουβα* OR куб* OR كوبا OR küba*'

[[topic]]
id = "labour"
title = "Strikes & labour"
match = 'strike* OR greve* OR απεργ* OR забастов* OR إضراب OR grev*'

[[topic]]
id = "youth"
title = "Youth"
match = 'κνε OR φεστιβαλ* OR festival*'
"""
    return text


def get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def raw_get(port, target_bytes):
    """A GET whose target is sent byte for byte, as newsboat sends it."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET " + target_bytes + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def overflow(driver):
    """innerWidth, the document's scrollWidth, and elements past the right edge."""
    inner = driver.execute_script("return window.innerWidth")
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    # Every element inside the viewport, not only the document: one clipped
    # by an overflow:hidden parent would not widen the document.
    wide = driver.execute_script(
        "return Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)")
    return inner, scroll, wide


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshots", default="")
    args = parser.parse_args()
    started = time.monotonic()

    origin_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
    threading.Thread(target=origin_server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{origin_server.server_address[1]}"

    work = tempfile.mkdtemp(prefix="redwire-browser-")
    daemon = None
    driver = None
    try:
        os.makedirs(os.path.join(work, "config"))
        os.makedirs(os.path.join(work, "state"))
        port = free_port()
        with open(os.path.join(work, "config", "feeds.toml"), "w", encoding="utf-8") as f:
            f.write(config(origin, port))
        log = open(os.path.join(work, "daemon.log"), "wb")
        daemon = subprocess.Popen([args.binary, "run", "--config", os.path.join(work, "config"), "--state",
                                   os.path.join(work, "state"), "--listen", f"127.0.0.1:{port}"],
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"

        # Every fixture item stored and the failing source tried once.
        deadline = time.monotonic() + 90  # generous: on a loaded machine the first polls come late
        items = 0
        tried = False
        while time.monotonic() < deadline:
            status, body = get(base + "/all.json")
            if status == 200:
                items = len(json.loads(body)["items"])
            status, body = get(base + "/status.json")
            if status == 200:
                states = {s["id"]: s for s in json.loads(body)["sources"]}
                # null until the first fetch ends (RFC 3339 text after it)
                tried = bool(states.get("cpusa", {}).get("last_attempt"))
            if items >= ITEMS and tried:
                break
            time.sleep(0.2)
        if items < ITEMS or not tried:
            log.flush()
            print(open(os.path.join(work, "daemon.log"), encoding="utf-8", errors="replace").read())
        check(items >= ITEMS, f"the daemon stored {items} of {ITEMS} items")
        check(tried, "the failing source was tried")

        # Raw UTF-8 and percent-encoded words get the same search feed.
        words = "κούβας"
        raw_status, raw_body = raw_get(port, b"/search?q=" + words.encode("utf-8"))
        enc_status, enc_body = get(base + "/search?q=" + urllib.parse.quote(words))
        check(raw_status == 200 and enc_status == 200, f"/search raw {raw_status}, encoded {enc_status}")
        check(raw_body == enc_body, "raw and percent-encoded searches give the same feed")
        check("Κούβας".encode("utf-8") in raw_body, "the raw search finds the Greek item")
        html_status, html_body = raw_get(port, b"/search.html?q=" + words.encode("utf-8"))
        check(html_status == 200 and "Αλληλεγγύη".encode("utf-8") in html_body, "raw /search.html finds it")

        pages = {
            "front": ("/", ["Κούβας", "Кубы", "كوبا", "Cuba", "Küba", "Strikes &amp; labour"]),
            "topic": ("/topics/cuba-solidarity.html", ["Κούβας", "Кубы", "كوبا", "bloqueio", "ambargoya"]),
            "search": ("/search.html?q=" + urllib.parse.quote("cuba* OR κουβα* OR куб* OR كوبا OR küba*"),
                       ["Κούβας", "Кубы", "كوبا", "Cuba", "Küba"]),
            "status": ("/status", ["Ριζοσπάστης", "الحزب الشيوعي اللبناني", "<span class=\"failing\">failing</span>", "HTTP 404"]),
        }
        # The pages' own markup, as served, for the texts (innerText would
        # lose the escaped ampersand the front page must show).
        for name, (path, texts) in pages.items():
            status, body = get(base + path)
            check(status == 200, f"{path} answers {status}")
            page = body.decode("utf-8")
            for text in texts:
                check(text in page, f"{path} shows {text!r}")
            check("<script" not in page, f"{path} has no script")
        check("first seen" in get(base + "/sources/pcp.html")[1].decode("utf-8"),
              "an item without a date is flagged as first seen")

        profile = os.path.join(work, "chromium")
        driver = browser(profile)
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
        checked = {}
        for width, height in WIDTHS.items():
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": width, "height": height, "deviceScaleFactor": 1,
                                    "mobile": width < 600})
            for name, (path, _) in pages.items():
                driver.get(base + path)
                inner, scroll, wide = overflow(driver)
                check(inner == width, f"{path} at {width}: viewport is {inner} px")
                check(scroll <= inner, f"{path} at {width}: scrollWidth {scroll} > innerWidth {inner}")
                check(not wide, f"{path} at {width}: elements past the right edge: {wide}")
                links = driver.execute_script(
                    "return Array.from(document.querySelectorAll('a[href]'))"
                    ".map(a => [a.href, a.className])")
                check(len(links) > 5, f"{path} has links")
                for href, css in links:
                    if href.startswith(base + "/") or href == base:
                        if href not in checked:
                            checked[href] = get(href)[0]
                        check(checked[href] == 200, f"{path}: link {href} answers {checked[href]}")
                    else:
                        check("item" in css.split(), f"{path}: off-site link {href} is not an item's")
                action = driver.execute_script("return document.querySelector('form.search').action")
                check(action == base + "/search.html", f"{path}: the search box submits to {action}")
                if args.screenshots:
                    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
                    with open(os.path.join(args.screenshots, f"{name}-{width}.png"), "wb") as f:
                        f.write(base64.b64decode(shot["data"]))

        # The overflow check finds what it looks for, or it proves nothing.
        driver.execute_script("const d = document.createElement('div'); d.style.width = '2000px';"
                              "d.textContent = 'wide'; document.querySelector('main').appendChild(d);")
        inner, scroll, wide = overflow(driver)
        check(scroll > inner and wide, f"a 2000 px element is caught: scrollWidth {scroll}, {wide}")

        # The search box works as a person uses it.
        driver.get(base + "/")
        box = driver.find_element("css selector", "form.search input[name=q]")
        box.send_keys("απεργία")
        box.submit()
        check("Απεργία στα λιμάνια" in driver.page_source, "typing in the search box finds the Greek strike")

        print(f"checked {len(checked)} links on {len(pages)} pages at {len(WIDTHS)} widths "
              f"in {time.monotonic() - started:.1f} s")
    finally:
        if driver is not None:
            driver.quit()
        if daemon is not None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        origin_server.shutdown()
        shutil.rmtree(work, ignore_errors=True)

    passed = 1 if not failures else 0
    print(f"{passed} passed, {1 - passed} failed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
