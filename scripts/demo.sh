#!/usr/bin/env bash
# Quick start, end to end on the bundled sample: kcat produces samples/raw-articles.jsonl to a
# fresh raw topic, `cleanwire run` processes it, and the clean, duplicate and dead-letter
# records are read back (read_committed) and printed. Expects scripts/services.sh start.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
kcat=$(command -v kcat || command -v kafkacat)
bootstrap=${CLEANWIRE_BOOTSTRAP_SERVERS:-127.0.0.1:9092}
run=demo-$(date +%s)
export CLEANWIRE_BOOTSTRAP_SERVERS=$bootstrap CLEANWIRE_GROUP_ID=$run \
  CLEANWIRE_RAW_TOPIC=$run.raw CLEANWIRE_CLEAN_TOPIC=$run.clean \
  CLEANWIRE_DUPLICATES_TOPIC=$run.duplicates CLEANWIRE_DLQ_TOPIC=$run.dlq \
  CLEANWIRE_STATE_DIR=$root/.cache/$run-state CLEANWIRE_METRICS_ADDR=127.0.0.1:${DEMO_METRICS_PORT:-9400} \
  CLEANWIRE_LOG_LEVEL=warning

cleanwire topics --partitions 2
"$kcat" -b "$bootstrap" -P -t "$CLEANWIRE_RAW_TOPIC" -H source=demo < samples/raw-articles.jsonl  # one event per line
echo "demo: produced $(grep -c . samples/raw-articles.jsonl) raw events to $CLEANWIRE_RAW_TOPIC" >&2

mkdir -p out
cleanwire run 2>"out/$run.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT

count() { "$kcat" -b "$bootstrap" -C -t "$1" -e -q -X isolation.level=read_committed -f 'x\n' 2>/dev/null | grep -c x || true; }
want_total=$(grep -c . samples/raw-articles.jsonl)
for _ in $(seq 1 240); do
  got=$(( $(count "$CLEANWIRE_CLEAN_TOPIC") + $(count "$CLEANWIRE_DUPLICATES_TOPIC") + $(count "$CLEANWIRE_DLQ_TOPIC") ))
  [ "$got" -ge "$want_total" ] && break
  kill -0 $pid 2>/dev/null || { cat "out/$run.log" >&2; echo "demo: service exited" >&2; exit 1; }
  sleep 0.5
done

echo "=== clean articles ($CLEANWIRE_CLEAN_TOPIC) ==="
"$kcat" -b "$bootstrap" -C -t "$CLEANWIRE_CLEAN_TOPIC" -e -q -X isolation.level=read_committed -f '%s\n' | tee "out/$run.clean.jsonl"
echo "=== duplicates ($CLEANWIRE_DUPLICATES_TOPIC): id -> duplicate_of ==="
"$kcat" -b "$bootstrap" -C -t "$CLEANWIRE_DUPLICATES_TOPIC" -e -q -X isolation.level=read_committed -f '%s\n' \
  | python3 -c 'import json,sys; [print(e["id"], "->", e["dedup"]["duplicate_of"], "(" + e["dedup"]["match"] + ")") for e in map(json.loads, sys.stdin)]'
echo "=== dead letters ($CLEANWIRE_DLQ_TOPIC): raw partition, offset, reason ==="
"$kcat" -b "$bootstrap" -C -t "$CLEANWIRE_DLQ_TOPIC" -e -q -X isolation.level=read_committed -f '%h\n' \
  | tr ',' '\n' | grep -E '__connect.errors.(partition|offset)|__cleanwire.errors.reason' | paste - - - \
  | sed 's/__connect.errors.partition=//; s/__connect.errors.offset=//; s/__cleanwire.errors.reason=//'
kill -TERM $pid; wait $pid; trap - EXIT
echo "demo: service stopped cleanly; clean events also in out/$run.clean.jsonl, service log in out/$run.log" >&2
