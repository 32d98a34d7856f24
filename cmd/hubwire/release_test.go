package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeRelease runs make release with a stand-in for go that notes
// how it was called and writes a small file for each binary: one build a
// platform, static, -trimpath, the version stamped, and SHA256SUMS right.
// (The real cross-builds take minutes; docs/development.md has their run.)
func TestMakeRelease(t *testing.T) {
	dir := t.TempDir()
	dist, calls := filepath.Join(dir, "dist"), filepath.Join(dir, "calls")
	fakeGo := filepath.Join(dir, "go")
	os.WriteFile(fakeGo, []byte(`#!/bin/sh
echo "CGO_ENABLED=$CGO_ENABLED GOOS=$GOOS GOARCH=$GOARCH $*" >> `+calls+`
while [ $# -gt 0 ]; do [ "$1" = -o ] && { echo "binary for $GOOS/$GOARCH" > "$2"; }; shift; done
`), 0o755)
	cmd := exec.Command("make", "--no-print-directory", "-C", "../..", "release", "GO="+fakeGo, "DIST="+dist, "VERSION=v1.2.3", "COMMIT=0123456789abcdef")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	}
	raw, _ := os.ReadFile(calls)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	want := []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}
	if len(lines) != len(want) {
		t.Fatalf("%d builds, want %d:\n%s", len(lines), len(want), raw)
	}
	var sums []string
	for i, platform := range want {
		os_, arch, _ := strings.Cut(platform, "/")
		name := "hubwire-" + os_ + "-" + arch
		if os_ == "windows" {
			name += ".exe"
		}
		line := lines[i]
		for _, part := range []string{"CGO_ENABLED=0 GOOS=" + os_ + " GOARCH=" + arch + " build", "-trimpath", "-X main.Version=v1.2.3", "-X main.Commit=0123456789abcdef", "-o " + filepath.Join(dist, name) + " ./cmd/hubwire"} {
			if !strings.Contains(line, part) {
				t.Errorf("build of %s lacks %q: %s", platform, part, line)
			}
		}
		body, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, fmt.Sprintf("%x  %s", sha256.Sum256(body), name))
	}
	got, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	gotLines := strings.Split(strings.TrimSpace(string(got)), "\n")
	slices.Sort(sums)
	slices.Sort(gotLines)
	if !slices.Equal(gotLines, sums) {
		t.Errorf("SHA256SUMS:\n%s\nwant:\n%s", got, strings.Join(sums, "\n"))
	}
}
