package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hubwire/hubwire/adapter/receiver"
	"github.com/hubwire/hubwire/internal/cli"
)

const tokenSummary = `Print the webhook token hubwire serve generated and keeps in the data
directory, for building webhook URLs (serve masks it in its banner when its
output is not a terminal, so that it stays out of logs):

  echo "http://127.0.0.1:8080/hooks/dtr/$(hubwire token)"`

// tokenArgs is what token's flags say.
type tokenArgs struct{ dataDir string }

func (x *tokenArgs) flags(out io.Writer) *cli.Flags {
	f := cli.New("token", tokenSummary)
	f.SetOutput(out)
	f.Global(func() {
		f.StringVar(&x.dataDir, "data-dir", defaultDataDir, "`directory` hubwire serve keeps its data in (its --data-dir)")
	})
	return f
}

func tokenCommand(_ context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var x tokenArgs
	f := x.flags(stderr)
	if err := f.ParseArgs(args, getenv); err != nil {
		return err
	}
	path := filepath.Join(x.dataDir, receiver.TokenFile)
	tok, err := readToken(path)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// readToken reads the token serve keeps, without making one.
func readToken(path string) (string, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no webhook token at %s: hubwire serve generates it on first start; name serve's directory with --data-dir (a token given to serve with --token is not kept)", path)
	}
	// The file exists: this reads and checks it, and makes nothing.
	tok, _, err := receiver.LoadOrCreateToken(filepath.Dir(path))
	return tok, err
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
