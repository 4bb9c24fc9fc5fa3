package runbooks

import (
	"regexp"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// safeWordRe is what an allowed value must look like to reach a shell.
var safeWordRe = regexp.MustCompile(`^[A-Za-z0-9._:/@%+=,-]+$`)

// shellProbes are the characters a value must not contain if it may reach
// a shell: separators, substitution, redirection, quotes, globs, spaces.
var shellProbes = []string{";", "$", "(", ")", "`", "|", "&", ">", "<", "\n", "\r", "'", `"`, " ", "\t", "\\", "*", "?", "[", "]", "{", "}", "~", "#", "!"}

// admittedMeta returns the shell probes that pattern can match anywhere in
// a value. It reads the set of characters the expression can produce from
// its syntax tree, which over-approximates (never misses) what it admits.
func admittedMeta(pattern string) []string {
	re, err := syntax.Parse(`^(?:`+pattern+`)$`, syntax.Perl)
	if err != nil {
		return nil
	}
	var bad []string
	for _, probe := range shellProbes {
		if canContain(re, firstRune(probe)) {
			bad = append(bad, printable(probe))
		}
	}
	return bad
}

func printable(s string) string {
	switch s {
	case "\n":
		return `\n`
	case "\r":
		return `\r`
	case "\t":
		return `\t`
	case " ":
		return "space"
	}
	return s
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// canContain reports whether the expression can match r somewhere.
func canContain(re *syntax.Regexp, r rune) bool {
	switch re.Op {
	case syntax.OpAnyChar:
		return true
	case syntax.OpAnyCharNotNL:
		return r != '\n'
	case syntax.OpLiteral:
		for _, l := range re.Rune {
			if l == r || re.Flags&syntax.FoldCase != 0 && unicode.SimpleFold(l) == r {
				return true
			}
		}
		return false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= r && r <= re.Rune[i+1] {
				return true
			}
		}
		return false
	}
	for _, sub := range re.Sub {
		if canContain(sub, r) {
			return true
		}
	}
	return false
}
