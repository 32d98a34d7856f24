// Reads hubwire's events from Kafka in a consumer group, decodes each with
// the CloudEvents SDK's Kafka binding, prints it as one line of JSON, and
// acks it to hubwire with a record on hubwire.acks keyed by the event id.
//
//   node kafka-consumer.js --brokers k1:9092,k2:9092 --group ci
//   KAFKA_BROKERS=k1:9092 GROUP=scanner node kafka-consumer.js
//
// Each consumer group reads every event (fan-out); the members of one group
// split the topic's partitions between them (load balancing). A new group
// starts at the oldest record still in the topic, so a consumer started
// late catches up.
import { parseArgs } from "node:util";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { Kafka as KafkaBinding } from "cloudevents";

const env = process.env;
const { values: opt } = parseArgs({
  options: {
    brokers: { type: "string", default: env.KAFKA_BROKERS ?? "127.0.0.1:9092" },
    topic: { type: "string", default: env.TOPIC ?? "hubwire.events" },
    "acks-topic": { type: "string", default: env.ACKS_TOPIC ?? "hubwire.acks" },
    group: { type: "string", default: env.GROUP ?? "example-js" },
    consumer: { type: "string", default: env.CONSUMER }, // name in hubwire acks
    count: { type: "string", default: env.COUNT ?? "0" }, // exit after this many; 0: run on
  },
});
const consumerName = opt.consumer ?? opt.group;
const count = Number(opt.count);

const kafka = new Kafka({
  clientId: `hubwire-example-${opt.group}`,
  brokers: opt.brokers.split(","),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: opt.group });
// Acks must land on the partition Java's partitioner (murmur2) picks for
// the event id, as hubwire's own records do: kafkajs's DefaultPartitioner.
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await Promise.all([consumer.connect(), producer.connect()]);
await consumer.subscribe({ topics: [opt.topic], fromBeginning: true });

let stop;
const stopped = new Promise((resolve) => (stop = resolve));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, stop);

// Kafka keeps every copy of a delivery that a registry retried; each copy
// has the same source and id. Drop the repeats (a real consumer would keep
// this in its own store).
const seen = new Set();
let n = 0;
await consumer.run({
  eachMessage: async ({ topic, partition, message }) => {
    // The SDK's binding wants strings; kafkajs gives Buffers.
    const headers = {};
    for (const [key, value] of Object.entries(message.headers ?? {})) {
      headers[key] = value?.toString();
    }
    let event;
    try {
      event = KafkaBinding.toEvent({ key: message.key?.toString(), value: message.value, headers });
    } catch (err) {
      console.error(`${topic}/${partition}@${message.offset}: cannot decode as a CloudEvent: ${err.message}`);
      return;
    }
    if (seen.has(`${event.source} ${event.id}`)) return;
    seen.add(`${event.source} ${event.id}`);

    // Your work goes here. This example prints the event as one line of JSON.
    console.log(JSON.stringify(event));

    // Tell hubwire how it went. Kafka has no request-reply: hubwire's
    // verdict shows in GET /api/events/<id> (and in its log).
    const ack = {
      consumer: consumerName,
      state: "success", // or "failure", "error"
      description: "printed by the JS example Kafka consumer",
    };
    await producer.send({ topic: opt["acks-topic"], messages: [{ key: event.id, value: JSON.stringify(ack) }] });
    console.error(`ack ${event.id}: sent to ${opt["acks-topic"]}`);

    if (++n === count) {
      consumer.pause([{ topic }]); // take no more; what was printed is committed
      stop();
    }
  },
});

await stopped;
await consumer.disconnect(); // commits the offsets of what was processed
await producer.disconnect();
