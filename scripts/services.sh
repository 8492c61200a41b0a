#!/usr/bin/env bash
# Start, stop or check the local Kafka (KRaft, single node) and Redis used by the demo and tests.
#
#   scripts/services.sh start [kafka|redis|all]   idempotent: a running service is left alone
#   scripts/services.sh stop  [kafka|redis|all]
#   scripts/services.sh status
#   scripts/services.sh reset                     stop, wipe data, start afresh
#
# Kafka's official jars come from Maven Central through Maven (scripts/kafka/pom.xml) and are
# cached in .cache/kafka/<version>/lib, so every start after the first is offline.
# Environment: CLEANWIRE_KAFKA_PORT (default 9092), CLEANWIRE_REDIS_PORT (default 6379),
# CLEANWIRE_SERVICES_DIR (state and logs; default .cache/services), CLEANWIRE_KAFKA_START_TIMEOUT
# (seconds to wait for the listener; default 120: a loaded 2-core machine with many topics
# took over 60, and recovery after a kill -9 can take longer).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/scripts/kafka/pom.xml")
kafka_port=${CLEANWIRE_KAFKA_PORT:-9092}
controller_port=$((kafka_port + 1))
redis_port=${CLEANWIRE_REDIS_PORT:-6379}
start_timeout=${CLEANWIRE_KAFKA_START_TIMEOUT:-120}
state=${CLEANWIRE_SERVICES_DIR:-$root/.cache/services}
lib=$root/.cache/kafka/$kafka_version/lib

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch_kafka() {
  [ -f "$lib/.complete" ] && return 0
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch Kafka $kafka_version"; exit 1; }
  log "fetching Apache Kafka $kafka_version from Maven Central (once; cached in $lib)"
  rm -rf "$lib"; mkdir -p "$lib"
  mvn -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime
  touch "$lib/.complete"
}

start_kafka() {
  if port_open "$kafka_port"; then log "kafka already listening on 127.0.0.1:$kafka_port"; return 0; fi
  command -v java >/dev/null || { log "Java 17+ is required for Kafka"; exit 1; }
  fetch_kafka
  local dir=$state/kafka
  mkdir -p "$dir"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.recovery.threads.per.data.dir=4
PROPS
  if [ ! -f "$dir/data/meta.properties" ]; then
    java -cp "$lib/*" kafka.tools.StorageTool format --ignore-formatted \
      -t "$(java -cp "$lib/*" kafka.tools.StorageTool random-uuid)" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
      || { cat "$dir/format.log" >&2; exit 1; }
  fi
  log "starting kafka $kafka_version on 127.0.0.1:$kafka_port"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.yaml" \
    -cp "$lib/*" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 &
  echo $! >"$dir/pid"
  local start=$SECONDS
  until port_open "$kafka_port"; do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then tail -30 "$dir/broker.log" >&2; log "kafka exited"; exit 1; fi
    [ $((SECONDS - start)) -lt "$start_timeout" ] || { tail -30 "$dir/broker.log" >&2; log "kafka not up after $start_timeout s"; exit 1; }
    sleep 0.5
  done
  log "kafka up after $((SECONDS - start)) s"
}

start_redis() {
  if port_open "$redis_port"; then log "redis already listening on 127.0.0.1:$redis_port"; return 0; fi
  command -v redis-server >/dev/null || { log "redis-server missing: apt-get install -y redis-server"; exit 1; }
  local dir=$state/redis
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/pid" --logfile "$dir/redis.log" --save "" --appendonly yes >/dev/null
  local start=$SECONDS
  until port_open "$redis_port"; do
    [ $((SECONDS - start)) -lt 20 ] || { log "redis not up after 20 s"; exit 1; }
    sleep 0.2
  done
  log "redis up on 127.0.0.1:$redis_port"
}

stop_one() {
  local pidfile=$state/$1/pid
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "$1 stopped"
}

status() {
  port_open "$kafka_port" && echo "kafka: up (127.0.0.1:$kafka_port, $kafka_version)" || echo "kafka: down"
  port_open "$redis_port" && echo "redis: up (127.0.0.1:$redis_port)" || echo "redis: down"
}

cmd=${1:-status}; what=${2:-all}
case "$cmd" in
  start) [ "$what" = redis ] || start_kafka; [ "$what" = kafka ] || start_redis ;;
  stop) [ "$what" = redis ] || stop_one kafka; [ "$what" = kafka ] || stop_one redis ;;
  reset) stop_one kafka; stop_one redis; rm -rf "$state"; start_kafka; start_redis ;;
  status) status ;;
  fetch) fetch_kafka ;;
  *) echo "usage: $0 start|stop|status|reset|fetch [kafka|redis|all]" >&2; exit 2 ;;
esac
