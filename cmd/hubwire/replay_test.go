package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hubwire/hubwire/adapter/all"
)

// TestReplayAndTailRefuseBadFlags checks that each mistake is named with
// what is expected, before any broker is contacted (none runs here).
func TestReplayAndTailRefuseBadFlags(t *testing.T) {
	const kafka = "kafka://127.0.0.1:1"
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"replay", "--since", "yesterday"}, `--since "yesterday": want a duration back from now (30m, 2h, 7d) or a time (2026-11-01T00:00:00Z or 2026-11-01)`},
		{[]string{"replay", "--since", "-2h"}, `--since "-2h": a duration back from now is positive`},
		{[]string{"replay", "--until", "2026-13-01"}, `--until "2026-13-01": want a duration`},
		{[]string{"replay", "--since", "1h", "--until", "2h"}, "is not after --since"},
		{[]string{"replay", "--broker", kafka, "--from-seq", "5"}, "--from-seq is for NATS streams; Kafka has offsets per partition: use --offset partition=offset"},
		{[]string{"replay", "--from-seq", "5", "--since", "1h"}, "--from-seq and --since both say where to start: give one"},
		{[]string{"replay", "--offset", "0=5"}, "--offset is for Kafka topics; a NATS stream has one sequence: use --from-seq"},
		{[]string{"replay", "--broker", kafka, "--offset", "x=5"}, `--offset "x=5": want partition=offset, both numbers from 0 (3=55)`},
		{[]string{"replay", "--broker", kafka, "--offset", "1=5,1=6"}, "--offset names partition 1 twice"},
		{[]string{"replay", "--broker", kafka, "--offset", "1=5", "--since", "1h"}, "--offset and --since both say where to start"},
		{[]string{"replay", "--from-seq", "x"}, `--from-seq "x": parse error`},
		{[]string{"replay", "--to", "ftp://host/x"}, `--to "ftp://host/x": want - (JSON lines on standard output), an http(s):// URL, nats:<subject> or kafka:<topic>`},
		{[]string{"replay", "--to", "kafka:topic"}, "--to kafka:topic re-publishes to the broker replay reads, which is NATS: use nats:<subject>"},
		{[]string{"replay", "--broker", kafka, "--to", "nats:subject"}, "which is Kafka: use kafka:<topic>"},
		{[]string{"replay", "--to", "nats:"}, `--to "nats:": want nats:<subject>`},
		{[]string{"replay", "--to", "http://"}, `--to "http://": not a URL`},
		{[]string{"replay", "--rate", "-1"}, "--rate -1: want events per second, or 0 for no limit"},
		{[]string{"replay", "--http-timeout", "0s"}, "--http-timeout 0s: want a positive duration"},
		{[]string{"replay", "--type", "com.docker.dtr.tag.pushed"}, `--type "com.docker.dtr.tag.pushed": hubwire makes no events of this type; it makes com.amazonaws.ecr.image.deleted, `},
		{[]string{"replay", "--type", "com.docker.*.push"}, `--type "com.docker.*.push": * may only end a prefix, after a dot: com.docker.dtr.scan.*`},
		{[]string{"replay", "--type", "org.example.*"}, `--type "org.example.*": no type hubwire makes starts with org.example.`},
		{[]string{"replay", "--repo", "acme"}, `--repo "acme": want namespace/name, where * matches any characters (acme/api, acme/*, */api)`},
		{[]string{"replay", "--broker", "http://127.0.0.1:4222"}, `--broker: "http://127.0.0.1:4222": scheme "http" is not a broker hubwire speaks`},
		{[]string{"replay", "--broker", "nats://a:4222,kafka://b:9092"}, "--broker: mixes NATS and Kafka URLs"},
		{[]string{"replay", "--broker", kafka, "--kafka-topic", ""}, "--kafka-topic is empty: name the topic hubwire serve publishes to"},
		{[]string{"replay", "--stream", ""}, "--stream is empty: name the stream hubwire serve publishes to"},
		{[]string{"replay", "extra"}, `unexpected argument "extra"`},
		{[]string{"tail", "--until", "1h"}, "unknown flag --until"},
		{[]string{"tail", "--since", "soon"}, `--since "soon": want a duration`},
		{[]string{"tail", "--repo", "/api"}, `--repo "/api": want namespace/name`},
		{[]string{"tail", "--broker", kafka, "--type", "nope"}, `--type "nope": hubwire makes no events of this type`},
	} {
		var out bytes.Buffer
		code := run(context.Background(), tc.args, &out, &out, noEnv)
		if code == 0 || !strings.Contains(out.String(), tc.says) {
			t.Errorf("%v: exit %d, said %q; want %q", tc.args, code, out.String(), tc.says)
		}
	}
	// The environment is read as the flags are.
	var out bytes.Buffer
	env := map[string]string{"HUBWIRE_BROKER": kafka, "HUBWIRE_REPLAY_FROM_SEQ": "3"}
	if code := run(context.Background(), []string{"replay"}, &out, &out, func(k string) string { return env[k] }); code != 1 || !strings.Contains(out.String(), "--from-seq is for NATS") {
		t.Errorf("from the environment: %d %s", code, out.String())
	}
}

func TestReplayAndTailHelp(t *testing.T) {
	for cmd, wants := range map[string][]string{
		"replay": {"hubwire replay --since 2h > events.jsonl", "--to http://new-service:8000/events --rate 200", "HUBWIRE_REPLAY_SINCE", "HUBWIRE_REPLAY_FROM_SEQ", "HUBWIRE_REPLAY_OFFSET", "--nats-creds", "--kafka-sasl", "default: nats://127.0.0.1:4222"},
		"tail":   {"hubwire tail --type 'com.docker.dtr.scan.*' --repo 'acme/*'", "HUBWIRE_TAIL_JSON", "HUBWIRE_TAIL_TYPE", "HUBWIRE_BROKER"},
	} {
		var out bytes.Buffer
		if code := run(context.Background(), []string{cmd, "--help"}, &out, &out, noEnv); code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		for _, want := range wants {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s --help lacks %q", cmd, want)
			}
		}
	}
	var out bytes.Buffer
	run(context.Background(), []string{"help"}, &out, &out, noEnv)
	if !strings.Contains(out.String(), "hubwire replay [flags]") || !strings.Contains(out.String(), "hubwire tail [flags]") {
		t.Errorf("usage:\n%s", out.String())
	}
}

// TestEveryTypeHasASubjectKind checks that --type becomes a subject filter
// for every type the adapters make.
func TestEveryTypeHasASubjectKind(t *testing.T) {
	kinds := eventKinds()
	for _, typ := range all.Registries.Types() {
		k, ok := kinds[typ]
		if !ok || k.Source == "" || k.Kind == "" {
			t.Errorf("%s: %+v", typ, k)
		}
	}
	if kinds["com.docker.dtr.tag.push"].Kind != "tag_push" || kinds["com.docker.dtr.image.promoted"].Kind != "promotion" || kinds["com.docker.hub.push"].Source != "dockerhub" {
		t.Errorf("kinds %v", kinds)
	}
}
