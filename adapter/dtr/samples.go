package dtr

import "embed"

// Samples holds realistic deliveries, one file each, for tests and for
// trying a setup end to end.
//
//go:embed samples/*.json
var Samples embed.FS
