package spool_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hubwire/hubwire/sinks/nats/natstest"
	"github.com/hubwire/hubwire/sinks/spool"
)

// inNamespace marks the copy of the test binary that withTinyDisk runs in
// a user and mount namespace of its own.
const inNamespace = "HUBWIRE_TEST_IN_NAMESPACE"

// withTinyDisk runs fn with dir on an 8 MiB file system of its own (a
// tmpfs), for the test to fill: a real full disk, with the errors the
// kernel gives. root mounts it directly; anyone else runs the test again
// in a user and mount namespace of its own, where mounting a tmpfs needs
// no privilege (Linux with unprivileged user namespaces).
func withTinyDisk(t *testing.T, fn func(dir string)) {
	t.Helper()
	if os.Geteuid() != 0 {
		cmd := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), inNamespace+"=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		}
		out, err := cmd.CombinedOutput()
		t.Logf("in a user and mount namespace of its own:\n%s", out)
		if err != nil {
			t.Fatalf("the test in its own namespace: %v", err)
		}
		return
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mounting a tmpfs at %s: %v: %s", dir, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	fn(dir)
}

// fill writes to dir until its file system is full, and returns the
// file that takes the room.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return path
		}
	}
}

// A full disk: a new entry is refused at once (ErrDiskFull), not after
// the delivery's deadline; entries forwarded while the disk was full,
// which the store could not remove, are not forwarded again after a
// restart.
func TestFullDiskRefusesAtOnceAndForwardsOnce(t *testing.T) {
	withTinyDisk(t, func(dir string) {
		b := natstest.StartBroker(t)
		p := primary(t, b)
		var fwd forwardedLog
		open := func() *spool.Spool {
			sp, err := spool.Open(context.Background(), spool.Config{Dir: dir, MaxBytes: 1 << 20, Primary: p, Forwarded: fwd.hook, ForwardTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return sp
		}
		sp := open()
		b.Stop()
		for i := range 10 {
			if _, err := sp.Put(context.Background(), entry(i)); err != nil {
				t.Fatal(err)
			}
		}
		filler := fill(t, dir)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := sp.Put(ctx, entry(10))
		cancel()
		if !errors.Is(err, spool.ErrDiskFull) {
			t.Errorf("a put on a full disk: %v; want ErrDiskFull at once", err)
		}
		if err := sp.Failing(1 << 10); !errors.Is(err, spool.ErrDiskFull) {
			t.Errorf("Failing on a full disk: %v", err)
		}

		b.Start()
		waitUntil(t, "the ten to be forwarded", func() bool { return fwd.count() == 10 })
		sp.Close()
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		sp = open()
		defer sp.Close()
		waitUntil(t, "the spool to be empty", func() bool {
			st, err := sp.Status(context.Background())
			return err == nil && st.Events == 0
		})
		// The forwarder would have taken any entry left by now: it polls
		// every 50 ms and the broker is up. Give it the time of a few polls.
		time.Sleep(500 * time.Millisecond)
		if n := fwd.count(); n != 10 {
			t.Errorf("forwarded %d times for 10 events: %v", n, fwd.ids)
		}
		if sp.Backlogged() {
			t.Error("the spool says it is backlogged with nothing left to forward")
		}
	})
}
