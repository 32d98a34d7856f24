// Reads hubwire's events from NATS JetStream with a durable consumer, builds
// a CloudEvent of each with the CloudEvents SDK, prints it as one line of
// JSON, acks it to hubwire (printing hubwire's answer) and to JetStream.
//
//   node nats-consumer.js --durable ci
//   DURABLE=scanner FILTER='hubwire.events.dtr.>' node nats-consumer.js
//
// Each durable name is a cursor of its own in the stream: two teams with
// different durables each get every event (fan-out); several instances with
// the same durable share its events (load balancing). A new durable starts
// at the beginning of the stream, so a consumer started late catches up.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { CloudEvent } from "cloudevents";

const env = process.env;
const { values: opt } = parseArgs({
  options: {
    server: { type: "string", default: env.NATS_URL ?? "nats://127.0.0.1:4222" },
    stream: { type: "string", default: env.STREAM ?? "HUBWIRE_EVENTS" },
    durable: { type: "string", default: env.DURABLE ?? "example-js" },
    filter: { type: "string", default: env.FILTER ?? "hubwire.events.>" },
    consumer: { type: "string", default: env.CONSUMER }, // name in hubwire acks
    count: { type: "string", default: env.COUNT ?? "0" }, // exit after this many; 0: run on
    // hubwire's embedded server asks for a password: $NATS_PASSWORD, or the
    // file hubwire serve keeps it in (<data-dir>/nats-password).
    user: { type: "string", default: env.NATS_USER ?? "hubwire" },
    "password-file": { type: "string", default: env.NATS_PASSWORD_FILE ?? "hubwire-data/nats-password" },
  },
});
let pass = env.NATS_PASSWORD;
if (!pass && existsSync(opt["password-file"])) pass = readFileSync(opt["password-file"], "utf8").trim();
const consumerName = opt.consumer ?? opt.durable;
const count = Number(opt.count);

const nc = await connect({
  servers: opt.server,
  name: `hubwire example consumer ${opt.durable}`,
  ...(pass ? { user: opt.user, pass } : {}),
});

// Create the durable consumer (or find it, when another instance of the
// same team already did). DeliverPolicy.All: a new durable starts at the
// first event still in the stream.
const jsm = await jetstreamManager(nc);
await jsm.consumers.add(opt.stream, {
  durable_name: opt.durable,
  filter_subject: opt.filter,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
});
const consumer = await jetstream(nc).consumers.get(opt.stream, opt.durable);
const messages = await consumer.consume();
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => messages.stop());
await nc.flush();
console.error(`reading ${opt.stream} as durable consumer "${opt.durable}" (${opt.filter})`);

let n = 0;
for await (const m of messages) {
  let event;
  try {
    event = toEvent(m);
  } catch (err) {
    console.error(`${m.subject}: cannot decode as a CloudEvent: ${err.message}`);
    m.term(); // never deliver it again
    continue;
  }

  // Your work goes here. This example prints the event as one line of JSON.
  console.log(JSON.stringify(event));

  // Tell hubwire how it went, then tell JetStream the message is done.
  await ackHubwire(event.id);
  m.ack();
  if (++n === count) break;
}
messages.stop();
await nc.drain(); // sends the last acks before closing

// toEvent builds a CloudEvent from a message in binary mode: each ce-
// header is an attribute, percent-encoded as the CloudEvents NATS binding
// asks (the JS SDK has no NATS binding, so this undoes the encoding), and
// the body is the data. A structured-mode message (hubwire serve
// --ce-mode structured) is the whole event as JSON.
function toEvent(m) {
  if (!m.headers?.has("ce-specversion")) {
    return new CloudEvent(m.json());
  }
  const attributes = {};
  for (const [key, values] of m.headers) {
    if (key.startsWith("ce-")) {
      attributes[key.slice(3)] = decodeURIComponent(values[0]);
    }
  }
  const isJSON = attributes.datacontenttype?.startsWith("application/json");
  return new CloudEvent({ ...attributes, data: isJSON ? m.json() : m.data });
}

// ackHubwire sends the hubwire ack, JSON on hubwire.acks.<event-id>, as a
// request, and prints hubwire's answer: whether it took the ack.
async function ackHubwire(id) {
  const ack = {
    consumer: consumerName,
    state: "success", // or "failure", "error"
    description: "printed by the JS example consumer",
  };
  try {
    const reply = await nc.request(`hubwire.acks.${id}`, JSON.stringify(ack), { timeout: 5000 });
    const answer = reply.json(); // {"accepted": true|false, "error": "…"}
    console.error(answer.accepted ? `ack ${id}: taken by hubwire` : `ack ${id}: refused by hubwire: ${answer.error}`);
  } catch (err) {
    // With hubwire down the acks stream still keeps the ack.
    console.error(`ack ${id}: no answer from hubwire: ${err.message}`);
  }
}
