#!/usr/bin/env bash
# Start, stop or check the local Kafka (KRaft: one controller, one broker) and Redis used by the
# demo and tests.
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

# Kafka runs as two processes, a KRaft controller and a broker, as in production. A combined
# controller+broker node restarted after a kill -9 briefly acts on its pre-crash metadata (it
# is still every partition's leader there) until it fences its own old incarnation, and then
# every partition is leaderless for a moment. Kafka 4.4's transaction coordinator, completing
# the transactions it reloaded, drops as "likely deleted" the commit markers of partitions
# without a leader: the offset commit of such a transaction never lands and its records become
# visible with the producer's next marker (a fault run found a repeated record that way). A
# broker restarted against a running controller catches up with the controller's view first,
# provided the controller has fenced the dead broker by then: hence the short broker session
# (2 s; a JVM restart takes longer). See docs/notes/local-kafka.md.
kafka_props() {  # role node_id listeners state-subdir
  cat <<PROPS
process.roles=$1
node.id=$2
controller.quorum.voters=3000@127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
listeners=$3
log.dirs=$state/$4/data
PROPS
}

start_jvm() {  # name min-heap max-heap port: start one Kafka process, wait for its port
  local name=$1 xms=$2 xmx=$3 port=$4 dir=$state/$1
  if [ ! -f "$dir/data/meta.properties" ]; then
    java -cp "$lib/*" kafka.tools.StorageTool format --ignore-formatted -t "$(cat "$state/cluster.id")" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; exit 1; }
  fi
  nohup java -Xms"$xms" -Xmx"$xmx" -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.yaml" \
    -cp "$lib/*" kafka.Kafka "$dir/server.properties" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/pid"
  local start=$SECONDS
  until port_open "$port"; do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then tail -30 "$dir/$name.log" >&2; log "$name exited"; exit 1; fi
    [ $((SECONDS - start)) -lt "$start_timeout" ] || { tail -30 "$dir/$name.log" >&2; log "$name not up after $start_timeout s"; exit 1; }
    sleep 0.5
  done
  log "$name up after $((SECONDS - start)) s"
}

start_kafka() {
  if port_open "$kafka_port"; then log "kafka already listening on 127.0.0.1:$kafka_port"; return 0; fi
  command -v java >/dev/null || { log "Java 17+ is required for Kafka"; exit 1; }
  fetch_kafka
  if [ -d "$state/kafka/data" ] && [ ! -f "$state/cluster.id" ]; then
    log "wiping $state/kafka: it holds a single-process (combined) node from an older version of this script"
    rm -rf "$state/kafka"
  fi
  mkdir -p "$state/kafka" "$state/controller"
  [ -f "$state/cluster.id" ] || java -cp "$lib/*" kafka.tools.StorageTool random-uuid >"$state/cluster.id"
  log "starting kafka $kafka_version: controller on 127.0.0.1:$controller_port, broker on 127.0.0.1:$kafka_port"
  if ! port_open "$controller_port"; then
    { kafka_props controller 3000 "CONTROLLER://127.0.0.1:$controller_port" controller
      echo "broker.session.timeout.ms=2000"
    } >"$state/controller/server.properties"
    start_jvm controller 128m 256m "$controller_port"
  fi
  { kafka_props broker 1 "PLAINTEXT://127.0.0.1:$kafka_port" kafka
    cat <<PROPS
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
broker.heartbeat.interval.ms=500
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
  } >"$state/kafka/server.properties"
  start_jvm kafka 256m 1g "$kafka_port"
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
  port_open "$controller_port" && echo "kafka controller: up (127.0.0.1:$controller_port)" || echo "kafka controller: down"
  port_open "$kafka_port" && echo "kafka: up (127.0.0.1:$kafka_port, $kafka_version)" || echo "kafka: down"
  port_open "$redis_port" && echo "redis: up (127.0.0.1:$redis_port)" || echo "redis: down"
}

cmd=${1:-status}; what=${2:-all}
case "$cmd" in
  start) [ "$what" = redis ] || start_kafka; [ "$what" = kafka ] || start_redis ;;
  stop) [ "$what" = redis ] || { stop_one kafka; stop_one controller; }; [ "$what" = kafka ] || stop_one redis ;;
  reset) stop_one kafka; stop_one controller; stop_one redis; rm -rf "$state"; start_kafka; start_redis ;;
  status) status ;;
  fetch) fetch_kafka ;;
  *) echo "usage: $0 start|stop|status|reset|fetch [kafka|redis|all]" >&2; exit 2 ;;
esac
