#!/bin/sh
# Fetch benchmark (issue 5, point 7): N generated RSS feeds served by nginx
# on loopback; a cold pass (fetch, parse, store all) and a warm pass (every
# answer 304) of redwire's pipeline, then the same two passes of
# `newsboat -x reload` with reload-threads equal to redwire's concurrency.
#
#   bench/fetch_bench.sh BUILD_DIR [FEEDS] [CONCURRENCY]
#
# Needs nginx, newsboat and GNU time (Debian: nginx newsboat time).
set -eu

BUILD=${1:?usage: fetch_bench.sh BUILD_DIR [FEEDS] [CONCURRENCY]}
FEEDS=${2:-1000}
CONC=${3:-32}
BENCH="$BUILD/bench/fetch_bench"
[ -x "$BENCH" ] || { echo "no $BENCH: build the fetch_bench target first" >&2; exit 1; }
for tool in nginx newsboat /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/redwire-fetch-bench.XXXXXX)
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
NGINX_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Feeds: 20 items each, a few hundred bytes of text per item, like a party
# site's RSS. Every item has its own text (60 words drawn from a 5000-word
# vocabulary, common words more often, as in prose): items that all shared
# a few texts would all be near-duplicates of each other, which no real set
# of feeds is.
mkdir -p "$WORK/www"
python3 - "$WORK/www" "$FEEDS" "$PORT" <<'EOF'
import random, sys, email.utils
root, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
words = ("solidarity strike congress party youth workers union peace cuba "
         "palestine nato elections statement communist central committee").split()
syllables = "ka lo ri ne ta mo pu se di ga vo le xi ro ba tu".split()
def generated(r):  # a distinct word per number: its base-16 digits as syllables
    out = ""
    while r:
        out += syllables[r % 16]
        r //= 16
    return out
vocabulary = words + [generated(r) for r in range(16, 16 + 5000 - len(words))]
rng = random.Random(20241122)
with open(root + "/../urls", "w") as urls:
    for f in range(n):
        items = []
        for i in range(20):
            when = email.utils.formatdate(1700000000 - f * 977 - i * 3600, usegmt=True)
            text = " ".join(vocabulary[min(int(len(vocabulary) ** rng.random()) - 1, len(vocabulary) - 1)]
                            for _ in range(60))
            items.append(f"<item><title>Feed {f} item {i}: {words[i % len(words)]}</title>"
                         f"<link>https://party{f}.example/news/{i}</link>"
                         f"<guid>https://party{f}.example/news/{i}</guid>"
                         f"<pubDate>{when}</pubDate><description>{text}</description></item>")
        doc = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
               f"<title>Party {f}</title><link>https://party{f}.example/</link>"
               f"<description>Generated feed {f}</description>{''.join(items)}</channel></rss>")
        with open(f"{root}/feed-{f}.xml", "w") as out:
            out.write(doc)
        urls.write(f"http://127.0.0.1:{port}/feed-{f}.xml\n")
EOF

mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  types { application/rss+xml xml; }
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/www;
    etag on;
  }
}
EOF
mkdir -p "$WORK/nginx/tmp"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
  curl -sf "http://127.0.0.1:$PORT/feed-0.xml" >/dev/null 2>&1 && break
  sleep 0.2
done

measure() {  # label command... ; prints "label wall_s peak_rss_mib" plus the tool's own line
  label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
    echo "$label failed:" >&2
    cat "$WORK/err" >&2
    exit 1
  }
  read -r wall rss <"$WORK/time"
  printf '%-14s wall %7.2f s   peak RSS %6.1f MiB   %s\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)" \
    "$(tr -d '\n' <"$WORK/out")"
}

echo "feeds: $FEEDS served by nginx on 127.0.0.1:$PORT, concurrency $CONC, $(nproc) cores"
measure "redwire cold" "$BENCH" --urls "$WORK/urls" --state "$WORK/redwire" --concurrency "$CONC"
measure "redwire warm" "$BENCH" --urls "$WORK/urls" --state "$WORK/redwire" --concurrency "$CONC"
# The fetcher's own share of the cold pass: bodies fetched, nothing parsed or stored.
measure "redwire fetch" "$BENCH" --urls "$WORK/urls" --state "$WORK/redwire-fetch" --concurrency "$CONC" --fetch-only 1

mkdir -p "$WORK/nb"
printf 'reload-threads %s\n' "$CONC" >"$WORK/nb/config"
measure "newsboat cold" env HOME="$WORK/nb" newsboat -u "$WORK/urls" -c "$WORK/nb/cache.db" -C "$WORK/nb/config" -x reload
measure "newsboat warm" env HOME="$WORK/nb" newsboat -u "$WORK/urls" -c "$WORK/nb/cache.db" -C "$WORK/nb/config" -x reload
