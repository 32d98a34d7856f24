// Package buildinfo says which hubwire a binary is: a semantic version
// from the release tags (vMAJOR.MINOR.PATCH), the commit, and what it was
// built with.
//
// A release is a tag vX.Y.Z; the Makefile gives the binary `git describe`
// of its commit. From it:
//
//	v1.2.3                       1.2.3 (the release)
//	v1.2.3-4-gabc1234            1.2.4-dev.4+abc1234 (4 commits after it)
//	v1.2.3-dirty                 1.2.3+<commit>.dirty (changes not committed)
//	(no tag, or go build alone)  0.0.0-dev+<commit>
//
// go install …@v1.2.3 records the module version, which is used as is.
package buildinfo

import (
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Info is what hubwire version prints.
type Info struct {
	// Version is the semantic version, without a leading v.
	Version string
	// Commit is the full revision; Time its commit time (RFC 3339); both
	// empty when unknown. Modified says the work tree had changes.
	Commit, Time string
	Modified     bool
	// Go is the Go release and the platform it was built for.
	Go string
	// NATSServer is the version of the embedded NATS server.
	NATSServer string
}

// Get works out the Info of this binary: describe is `git describe
// --tags --dirty` as the build passed it (empty when it did not), commit
// the revision it passed, natsServer the embedded server's version.
func Get(describe, commit, natsServer string) Info {
	info := Info{Commit: commit, Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, NATSServer: natsServer}
	var module string
	if bi, ok := debug.ReadBuildInfo(); ok {
		module = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if strings.HasSuffix(describe, "-dirty") {
		info.Modified = true
	}
	info.Version = Semantic(describe, module, info.Commit, info.Modified)
	return info
}

var (
	described = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.]+)?(?:-(\d+)-g([0-9a-f]+))?$`)
	// A Go pseudo-version: vX.Y.Z-[pre.]0.yyyymmddhhmmss-abcdefabcdef.
	pseudo = regexp.MustCompile(`^v(\d+\.\d+\.\d+)-(?:.*\.)?\d{14}-([0-9a-f]{12})(\+dirty)?$`)
	module = regexp.MustCompile(`^v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(\+[0-9A-Za-z.-]+)?$`)
)

// Semantic is the semantic version of a build: from describe (git
// describe's output) when it names a release tag, else from the module
// version Go recorded, else 0.0.0-dev+<commit>.
func Semantic(describe, moduleVersion, commit string, modified bool) string {
	short := commit
	if len(short) > 12 {
		short = short[:12]
	}
	dev := func(base string) string {
		meta := []string{}
		if short != "" {
			meta = append(meta, short)
		}
		if modified {
			meta = append(meta, "dirty")
		}
		if len(meta) == 0 {
			return base
		}
		return base + "+" + strings.Join(meta, ".")
	}
	describe, dirty := strings.CutSuffix(describe, "-dirty")
	if m := described.FindStringSubmatch(describe); m != nil {
		major, minor, patch, pre, ahead, rev := m[1], m[2], m[3], m[4], m[5], m[6]
		v := major + "." + minor + "." + patch + pre
		if ahead != "" && ahead != "0" {
			if pre == "" {
				p, _ := strconv.Atoi(patch)
				v = fmt.Sprintf("%s.%s.%d-dev.%s", major, minor, p+1, ahead)
			} else {
				v += ".dev." + ahead
			}
			short = rev
		} else {
			short = "" // the tag names the commit
		}
		if dirty || modified {
			modified = true
			if short == "" && len(commit) >= 7 {
				short = commit[:min(12, len(commit))]
			}
		}
		if short == "" && !modified {
			return v
		}
		return dev(v)
	}
	modified = modified || dirty
	if m := pseudo.FindStringSubmatch(moduleVersion); m != nil {
		if short == "" {
			short = m[2]
		}
		return dev(m[1] + "-dev")
	}
	if m := module.FindStringSubmatch(moduleVersion); m != nil && !modified {
		return m[1]
	}
	return dev("0.0.0-dev")
}

// String is the Info as hubwire version prints it.
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hubwire %s\n", i.Version)
	commit := i.Commit
	if commit == "" {
		commit = "unknown"
	}
	if i.Time != "" {
		commit += " (" + i.Time + ")"
	}
	if i.Modified {
		commit += ", with uncommitted changes"
	}
	fmt.Fprintf(&b, "  commit:       %s\n", commit)
	fmt.Fprintf(&b, "  go:           %s\n", i.Go)
	fmt.Fprintf(&b, "  nats-server:  %s\n", i.NATSServer)
	return b.String()
}
