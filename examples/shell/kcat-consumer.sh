#!/bin/sh
# A Kafka consumer of hubwire's events in shell, with kcat and jq: reads
# hubwire.events in a consumer group, prints one line per event (id, type,
# subject), and acks each to hubwire with a record on hubwire.acks keyed by
# the event id.
#
#   KAFKA_BROKERS=k1:9092 GROUP=ci examples/shell/kcat-consumer.sh
#   COUNT=10 examples/shell/kcat-consumer.sh      # stop after 10 records
#
# Settings (environment): KAFKA_BROKERS (127.0.0.1:9092), GROUP
# (example-shell), CONSUMER (the name in the acks; default the group),
# STATE (success, failure or error), COUNT (records to read; default: run on).
set -eu
brokers=${KAFKA_BROKERS:-127.0.0.1:9092}
group=${GROUP:-example-shell}
consumer=${CONSUMER:-$group}
state=${STATE:-success}
tab=$(printf '\t')
seen=" "
# The ack: the record's key names the event, so one body does for every event.
ack=$(jq -cn --arg c "$consumer" --arg s "$state" '{consumer: $c, state: $s, description: "printed by kcat-consumer.sh"}')
exec 3>&1 # the events go to standard output; the pipe below takes the acks

# kcat -J prints each record as JSON, its headers as [name, value, …]; a
# new group starts at the oldest record (-o beginning) and commits as it goes.
kcat -C -q -u -b "$brokers" -G "$group" -o beginning ${COUNT:+-c "$COUNT"} -J hubwire.events |
  jq --unbuffered -r '.headers as $h | [range(0; $h | length; 2) | {($h[.]): $h[. + 1]}] | add
    | [.ce_source, .ce_id, .ce_type, .ce_subject // "-"] | @tsv' |
  while IFS="$tab" read -r source id type subject; do
    # Kafka keeps every copy of a delivery a registry retried; each copy
    # has the same source and id: print and ack the first only.
    case "$seen" in *" $source $id "*) continue ;; esac
    seen="$seen $source $id "
    printf '%s %s %s\n' "$id" "$type" "$subject" >&3
    # Your work goes here. Then the ack: the event id TAB the JSON.
    printf '%s\t%s\n' "$id" "$ack"
  done |
  # murmur2_random: the partition Java's clients (and hubwire) pick for a key.
  kcat -P -q -b "$brokers" -t hubwire.acks -K "$tab" -X topic.partitioner=murmur2_random
