package spool

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// mark remembers the sequence of the last entry forwarded, in a file of
// eight bytes written once when the spool is made and overwritten in
// place after each forward: on a full disk, the store cannot remove a
// forwarded entry (a removal is a write), but an overwrite of blocks the
// file already has still succeeds, so that the next start does not
// forward the entry again.
type mark struct {
	f *os.File
}

// markFile is the mark's name, inside the store's directory so that the
// two go (or are replaced) together.
const markFile = "forwarded"

func openMark(storeDir string) (*mark, uint64, error) {
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		return nil, 0, err
	}
	path := filepath.Join(storeDir, markFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("spool mark %s: %w", path, err)
	}
	var b [8]byte
	n, _ := f.ReadAt(b[:], 0)
	m := &mark{f: f}
	if n < len(b) {
		// New (or cut short by a crash while it was made): no entry was
		// forwarded through it.
		if err := m.set(0); err != nil {
			f.Close()
			return nil, 0, fmt.Errorf("spool mark %s: %w", path, err)
		}
		return m, 0, nil
	}
	return m, binary.BigEndian.Uint64(b[:]), nil
}

// set records seq as forwarded, durably.
func (m *mark) set(seq uint64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	if _, err := m.f.WriteAt(b[:], 0); err != nil {
		return err
	}
	return m.f.Sync()
}

func (m *mark) close() error { return m.f.Close() }
