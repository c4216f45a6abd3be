#!/bin/sh
# Feed serving benchmark (issue 7, point 8): requests/s for a cached
# 50-entry topic feed over loopback, redwire's server beside nginx serving
# the same bytes as a static file, in the same run; 200s and 304s.
#
#   bench/feeds_bench.sh BUILD_DIR [SECONDS] [CONNECTIONS] [THREADS]
#
# Needs wrk and nginx (Debian: wrk nginx-light). Build BUILD_DIR in Release.
set -eu

BUILD=${1:?usage: feeds_bench.sh BUILD_DIR [SECONDS] [CONNECTIONS] [THREADS]}
SECS=${2:-10}
CONNS=${3:-32}
THREADS=${4:-1}
BENCH="$BUILD/bench/feeds_bench"
[ -x "$BENCH" ] || { echo "no $BENCH: build the feeds_bench target first" >&2; exit 1; }
for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/redwire-feeds-bench.XXXXXX)
NGINX_PID=
BENCH_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ -n "$BENCH_PID" ] && kill "$BENCH_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RW_PORT=$(free_port)
NG_PORT=$(free_port)

"$BENCH" "$RW_PORT" "$WORK/www" > "$WORK/bench.out" 2>&1 &
BENCH_PID=$!
for _ in $(seq 100); do grep -q ready "$WORK/bench.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/bench.out" || { cat "$WORK/bench.out" >&2; exit 1; }

# nginx workers may run as another user (www-data when started as root).
chmod -R a+rX "$WORK"

# One nginx worker, like redwire's one event loop.
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/atom+xml atom; }
  server {
    listen 127.0.0.1:$NG_PORT;
    root $WORK/www;
    add_header Cache-Control "public, max-age=60";
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
sleep 0.5

RW_URL="http://127.0.0.1:$RW_PORT/topics/strikes.atom"
NG_URL="http://127.0.0.1:$NG_PORT/topics/strikes.atom"
curl -s "$RW_URL" -o "$WORK/a"
curl -s "$NG_URL" -o "$WORK/b"
cmp -s "$WORK/a" "$WORK/b" || { echo "redwire and nginx serve different bytes" >&2; cat "$WORK/nginx/logs/error.log" >&2; exit 1; }
BYTES=$(wc -c < "$WORK/a")
RW_ETAG=$(curl -sI "$RW_URL" | tr -d '\r' | sed -n 's/^ETag: //Ip')
NG_ETAG=$(curl -sI "$NG_URL" | tr -d '\r' | sed -n 's/^ETag: //Ip')

rate() {  # URL [HEADER]
  if [ -n "${2:-}" ]; then out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" -H "$2" "$1"); else out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" "$1"); fi
  echo "$out" | sed -n 's/^Requests\/sec: *//p'
}

RW_200=$(rate "$RW_URL")
NG_200=$(rate "$NG_URL")
RW_304=$(rate "$RW_URL" "If-None-Match: $RW_ETAG")
NG_304=$(rate "$NG_URL" "If-None-Match: $NG_ETAG")
# Check the 304 runs really were 304s.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $RW_ETAG" "$RW_URL")" = 304 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $NG_ETAG" "$NG_URL")" = 304 ]

echo "feed: 50 entries, $BYTES bytes; wrk -t$THREADS -c$CONNS -d${SECS}s on $(nproc) cores"
python3 - "$RW_200" "$NG_200" "$RW_304" "$NG_304" <<'PY'
import sys
rw200, ng200, rw304, ng304 = map(float, sys.argv[1:])
print(f"| case | redwire req/s | nginx req/s | redwire / nginx |")
print(f"|---|---|---|---|")
print(f"| 200, full feed | {rw200:,.0f} | {ng200:,.0f} | {rw200 / ng200:.0%} |")
print(f"| 304, If-None-Match | {rw304:,.0f} | {ng304:,.0f} | {rw304 / ng304:.0%} |")
PY
