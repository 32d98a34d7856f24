package rawjson

import "fmt"

// Bounds on the shape of a delivery. Real deliveries nest a few levels and
// hold a few hundred values; these bounds are far above that and far below
// what would let one body make the decoders allocate without limit.
const (
	MaxJSONDepth  = 64
	MaxJSONValues = 100_000
)

// checkShape scans body once, without allocating, and reports nesting
// deeper than MaxJSONDepth or more than MaxJSONValues values. It does not
// validate JSON; the decoder does that.
func checkShape(body []byte) error {
	depth, values := 0, 0
	inString, escaped := false, false
	for _, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxJSONDepth {
				return &Error{Problem: fmt.Sprintf("body nests deeper than %d levels", MaxJSONDepth)}
			}
		case '}', ']':
			depth--
		case ',':
			values++
			if values > MaxJSONValues {
				return &Error{Problem: fmt.Sprintf("body holds more than %d values", MaxJSONValues)}
			}
		}
	}
	return nil
}
