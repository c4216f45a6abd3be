#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, built from the test fixtures.

Usage: seeds.py OUT_DIR

Writes OUT_DIR/<target>/<name> for every target that has fixtures to start
from, in the input shape each target reads (see the comment at the top of
fuzz/<target>_fuzz.cc). Rebuilt on every run, so the seeds follow the
fixtures; hand-written seeds live in fuzz/seeds/<target>/ instead.
"""
import html
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

# Content-Type lines for feed bodies without a .content-type sidecar: right,
# wrong, unknown and absent charsets.
CONTENT_TYPES = [
    "application/rss+xml",
    "application/atom+xml; charset=utf-8",
    "text/xml; charset=iso-8859-1",
    "application/xml; charset=windows-1251",
    "text/html; charset=koi8-r",
    "application/feed+json",
    "application/json; charset=utf-16",
    "text/xml; charset=gb18030",
    'application/rss+xml; charset="ISO-8859-7"',
    "text/xml; charset=no-such-charset",
    "text/plain",
]

SKIPPED_SUFFIXES = (".expected.json", ".url", ".content-type", ".gz", ".br", ".zz")


def write(out: Path, target: str, name: str, data: bytes) -> None:
    directory = out / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def fixture_files(*folders: str):
    for folder in folders:
        for path in sorted((FIXTURES / folder).iterdir()):
            if path.is_file() and not path.name.endswith(SKIPPED_SUFFIXES):
                yield path


def feed_documents():
    return list(fixture_files("feeds", "parse", "e2e")) + [FIXTURES / "fetch" / "feed.xml"]


def element_texts(data: bytes, names) -> list[str]:
    """The text of every <name>...</name> in an XML fixture, CDATA unwrapped
    and entities decoded: the HTML fragments and dates feeds carry."""
    text = data.decode("utf-8", errors="replace")
    found = []
    for name in names:
        pattern = rf"<{name}(?:\s[^>]*)?>(.*?)</{name}>"
        for match in re.finditer(pattern, text, re.S):
            body = match.group(1)
            if body.lstrip().startswith("<![CDATA["):
                body = body.strip()[len("<![CDATA["):]
                body = body[: -len("]]>")] if body.endswith("]]>") else body
            else:
                body = html.unescape(body)
            if body.strip():
                found.append(body)
    return found


def c_strings(source: str) -> list[str]:
    """The double-quoted string literals of a C++ file, simple escapes undone."""
    out = []
    for match in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', source):
        out.append(match.group(1).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
    return out


def feeds(out: Path) -> None:
    for i, path in enumerate(feed_documents()):
        body = path.read_bytes()
        sidecar = path.with_name(path.name + ".content-type")
        natural = sidecar.read_text().strip() if sidecar.exists() else ""
        write(out, "feed", path.name, natural.encode() + b"\n" + body)
        rotated = CONTENT_TYPES[i % len(CONTENT_TYPES)]
        write(out, "feed", path.name + ".ct", rotated.encode() + b"\n" + body)


def scrape(out: Path) -> None:
    for path in fixture_files("scrape"):
        write(out, "scrape", path.name, path.read_bytes())
    write(out, "scrape", "party-homepage.html", (FIXTURES / "parse" / "party-homepage.html").read_bytes())


def sanitize(out: Path) -> None:
    n = 0
    for path in feed_documents():
        for fragment in element_texts(path.read_bytes(), ["description", "content:encoded", "content", "summary"]):
            write(out, "sanitize", f"{path.name}.{n}", fragment.encode())
            n += 1
    for path in fixture_files("scrape"):
        write(out, "sanitize", path.name, path.read_bytes())


def dates(out: Path) -> None:
    texts = [s for s in c_strings((ROOT / "tests" / "parse_dates_test.cc").read_text()) if re.search(r"\d", s)]
    for path in feed_documents():
        texts += element_texts(path.read_bytes(), ["pubDate", "dc:date", "updated", "published", "modified"])
    for i, text in enumerate(dict.fromkeys(texts)):
        write(out, "date", f"date-{i}", b"\x00" + text.encode())
        write(out, "date", f"date-{i}.hints", bytes([(i * 37) % 256]) + text.encode())


def config(out: Path) -> None:
    for path in sorted((ROOT / "feeds").glob("*.toml")):
        write(out, "config", path.name, path.read_bytes())
    source = (ROOT / "tests" / "config_test.cc").read_text()
    for i, match in enumerate(re.finditer(r'R"toml\((.*?)\)toml"', source, re.S)):
        write(out, "config", f"config_test-{i}.toml", match.group(1).encode())


def classify(out: Path) -> None:
    rules = []
    with open(ROOT / "feeds" / "topics.toml", "rb") as f:
        rules += [t["match"] for t in tomllib.load(f).get("topic", []) if t.get("match")]
    for name in ("classify_test.cc", "classify_scopes_test.cc"):
        source = (ROOT / "tests" / name).read_text()
        rules += [m.group(1) for m in re.finditer(r'Compile\("((?:[^"\\]|\\.)*)"\)', source)]
    titles = []
    for path in feed_documents():
        titles += [t.replace("\n", " ") for t in element_texts(path.read_bytes(), ["title"])]
    titles = list(dict.fromkeys(titles)) or ["Solidarity with Cuba"]
    for i, rule in enumerate(dict.fromkeys(rules)):
        title = titles[i % len(titles)]
        item = f"{title}\nA general strike against NATO.\n\nnews|Κούβα\nkke-en\nparty,europe\nel"
        write(out, "classify", f"rule-{i}", rule.encode() + b"\0" + item.encode())


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: seeds.py OUT_DIR")
    out = Path(sys.argv[1])
    for build in (feeds, scrape, sanitize, dates, config, classify):
        build(out)


if __name__ == "__main__":
    main()
