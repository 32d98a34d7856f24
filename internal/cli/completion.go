package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Command is a subcommand as the completion scripts know it.
type Command struct {
	Name    string
	Summary string // one line
	// Args are the words the command takes in place of its positional
	// argument (send's sources, config's check); none for a free one.
	Args []string
	// Flags are the command's flags; nil for none.
	Flags *Flags
}

// Shells are the shells Completion writes a script for.
var Shells = []string{"bash", "zsh", "fish"}

// Completion writes the completion script of prog (its commands as cmds)
// for shell: bash, zsh or fish. The scripts are written from the flag
// definitions, so they know every flag, which take a value, and which a
// file or a directory (their usage's `file` or `directory`).
func Completion(w io.Writer, shell, prog string, cmds []Command) error {
	switch shell {
	case "bash":
		bash(w, prog, cmds)
	case "zsh":
		zsh(w, prog, cmds)
	case "fish":
		fish(w, prog, cmds)
	default:
		return fmt.Errorf("no completion for shell %q; want bash, zsh or fish", shell)
	}
	return nil
}

// flagInfo is what a script needs of a flag.
type flagInfo struct {
	name, help string
	value      bool   // takes a value
	complete   string // "file", "dir" or ""
}

func flagsOf(c Command) []flagInfo {
	if c.Flags == nil {
		return nil
	}
	var out []flagInfo
	c.Flags.VisitAll(func(fl *flag.Flag) {
		kind, help := flag.UnquoteUsage(fl)
		info := flagInfo{name: fl.Name, help: strings.SplitN(help, "\n", 2)[0]}
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			info.value = true
		}
		switch kind {
		case "file":
			info.complete = "file"
		case "directory":
			info.complete = "dir"
		}
		out = append(out, info)
	})
	return out
}

func names(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

func bash(w io.Writer, prog string, cmds []Command) {
	fn := "_" + strings.ReplaceAll(prog, "-", "_")
	fmt.Fprintf(w, `# bash completion for %[1]s (written by %[1]s completion bash).
# Load it with: source <(%[1]s completion bash)
%[2]s() {
    local cur prev cmd flags="" valued="" files="" dirs="" args=""
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W %[3]s -- "$cur"))
        return
    fi
    cmd="${COMP_WORDS[1]}"
    case "$cmd" in
`, prog, fn, bashWords(names(cmds)))
	for _, c := range cmds {
		var flags, valued, files, dirs []string
		for _, f := range flagsOf(c) {
			flags = append(flags, "--"+f.name)
			if f.value {
				valued = append(valued, "--"+f.name)
			}
			switch f.complete {
			case "file":
				files = append(files, "--"+f.name)
			case "dir":
				dirs = append(dirs, "--"+f.name)
			}
		}
		fmt.Fprintf(w, "        %s)\n            flags=%s\n            valued=%s\n            files=%s\n            dirs=%s\n            args=%s\n            ;;\n",
			c.Name, bashWords(flags), bashWords(valued), bashWords(files), bashWords(dirs), bashWords(c.Args))
	}
	fmt.Fprintf(w, `    esac
    case " $files " in *" $prev "*) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
    case " $dirs " in *" $prev "*) COMPREPLY=($(compgen -d -- "$cur")); return ;; esac
    case " $valued " in *" $prev "*) COMPREPLY=(); return ;; esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$args" -- "$cur"))
    fi
}
complete -F %s %s
`, fn, prog)
}

// bashWords quotes words for bash, single-quoted.
func bashWords(words []string) string {
	return "'" + strings.ReplaceAll(strings.Join(words, " "), "'", `'\''`) + "'"
}

func zsh(w io.Writer, prog string, cmds []Command) {
	fn := "_" + strings.ReplaceAll(prog, "-", "_")
	fmt.Fprintf(w, "#compdef %[1]s\n# zsh completion for %[1]s (written by %[1]s completion zsh).\n# Load it with: source <(%[1]s completion zsh), or save it as _%[1]s in a directory of $fpath.\n\n%[2]s() {\n    local -a commands\n    commands=(\n", prog, fn)
	for _, c := range cmds {
		fmt.Fprintf(w, "        %s\n", zshQuote(c.Name+":"+zshEscape(c.Summary, ":")))
	}
	fmt.Fprintf(w, "    )\n    if (( CURRENT == 2 )); then\n        _describe -t commands 'command' commands\n        return\n    fi\n    local cmd=${words[2]}\n    shift words\n    (( CURRENT-- ))\n    case $cmd in\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "        %s)\n            _arguments -s", c.Name)
		for _, f := range flagsOf(c) {
			spec := "--" + f.name
			if f.value {
				spec += "="
			}
			spec += "[" + zshEscape(f.help, "[]") + "]"
			if f.value {
				action := ""
				switch f.complete {
				case "file":
					action = "_files"
				case "dir":
					action = "_files -/"
				}
				spec += ":" + zshEscape(f.name, ":") + ":" + action
			}
			fmt.Fprintf(w, " \\\n                %s", zshQuote(spec))
		}
		if len(c.Args) > 0 {
			fmt.Fprintf(w, " \\\n                %s", zshQuote("1:"+c.Name+":("+strings.Join(c.Args, " ")+")"))
		}
		fmt.Fprint(w, "\n            ;;\n")
	}
	fmt.Fprintf(w, "    esac\n}\n\nif [[ \"${funcstack[1]}\" == %[1]s ]]; then\n    %[1]s \"$@\"\nelse\n    compdef %[1]s %[2]s\nfi\n", fn, prog)
}

// zshEscape backslashes the characters of special that would end an
// _arguments field, and backslashes.
func zshEscape(s, special string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\\' || strings.ContainsRune(special, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fish(w io.Writer, prog string, cmds []Command) {
	fmt.Fprintf(w, "# fish completion for %[1]s (written by %[1]s completion fish).\n# Load it with: %[1]s completion fish | source\n\ncomplete -c %[1]s -f\n", prog)
	all := strings.Join(names(cmds), " ")
	for _, c := range cmds {
		fmt.Fprintf(w, "complete -c %s -n %s -a %s -d %s\n", prog, fishQuote("not __fish_seen_subcommand_from "+all), fishQuote(c.Name), fishQuote(c.Summary))
	}
	for _, c := range cmds {
		cond := fishQuote("__fish_seen_subcommand_from " + c.Name)
		for _, f := range flagsOf(c) {
			opts := ""
			if f.value {
				opts = " -r"
			}
			if f.complete != "" {
				opts += " -F"
			}
			fmt.Fprintf(w, "complete -c %s -n %s -l %s%s -d %s\n", prog, cond, f.name, opts, fishQuote(f.help))
		}
		if len(c.Args) > 0 {
			fmt.Fprintf(w, "complete -c %s -n %s -a %s\n", prog, cond, fishQuote(strings.Join(c.Args, " ")))
		}
	}
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// HasShell says whether Completion writes a script for shell.
func HasShell(shell string) bool { return slices.Contains(Shells, shell) }
