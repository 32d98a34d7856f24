package sinks

import (
	"fmt"
	"slices"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Mode is a CloudEvents content mode; every broker binding has both.
type Mode string

// The two content modes.
const (
	// Binary puts each attribute in a header of its own and the data, as
	// is, in the message body.
	Binary Mode = "binary"
	// Structured puts the whole event, as JSON, in the body.
	Structured Mode = "structured"
)

// StructuredContentType marks a structured-mode message.
const StructuredContentType = "application/cloudevents+json; charset=UTF-8"

// ParseMode reads a --ce-mode value.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case Binary, Structured:
		return Mode(s), nil
	}
	return "", fmt.Errorf("CloudEvents mode %q: want binary or structured", s)
}

// Attribute is one CloudEvent attribute as a binary-mode header carries it.
type Attribute struct {
	Name, Value string
}

// Attributes lists e's attributes in their string form, the context
// attributes first and then the extensions by name, leaving out those that
// are not set. Each binding decides how to name and escape them.
func Attributes(e *event.Event) ([]Attribute, error) {
	return AppendAttributes(make([]Attribute, 0, 14), e)
}

// AppendAttributes is Attributes appending to attrs: a sink on every
// delivery's path passes an array on its stack.
func AppendAttributes(attrs []Attribute, e *event.Event) ([]Attribute, error) {
	add := func(name, value string) {
		if value != "" {
			attrs = append(attrs, Attribute{name, value})
		}
	}
	add("specversion", e.SpecVersion())
	add("id", e.ID())
	add("source", e.Source())
	add("type", e.Type())
	add("subject", e.Subject())
	if t := e.Time(); !t.IsZero() {
		add("time", t.UTC().Format(time.RFC3339Nano))
	}
	add("datacontenttype", e.DataContentType())
	add("dataschema", e.DataSchema())
	// The v1 context's own map, not the copy Extensions() makes.
	var ext map[string]any
	if ec, ok := e.Context.(*event.EventContextV1); ok {
		ext = ec.Extensions
	} else {
		ext = e.Extensions()
	}
	var stack [8]string
	names := stack[:0]
	for name := range ext {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s, err := types.ToString(ext[name])
		if err != nil {
			return nil, fmt.Errorf("extension %s of event %s: %w", name, e.ID(), err)
		}
		add(name, s)
	}
	return attrs, nil
}
