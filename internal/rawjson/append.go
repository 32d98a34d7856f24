package rawjson

import "strconv"

// AppendStringMember appends ,"name":value unless value is empty, as
// encoding/json writes a string field with omitempty.
func AppendStringMember(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = AppendName(b, name)
	return AppendString(b, value)
}

// AppendName appends ,"name": (name needs no escaping: it is a field's
// JSON name, written in code).
func AppendName(b []byte, name string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// AppendInt appends ,"name":n.
func AppendInt(b []byte, name string, n int64) []byte {
	return strconv.AppendInt(AppendName(b, name), n, 10)
}

// AppendPayload appends ,"payload":p. p is written as it is: it must be
// what Object.Payload returns (compact, strings as sent), and is then
// what Marshal writes of it.
func AppendPayload(b []byte, p []byte) []byte {
	b = AppendName(b, "payload")
	if p == nil {
		return append(b, "null"...)
	}
	return append(b, p...)
}
