package playbooks

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// builtinFS holds the built-in playbooks, one or more per file.
//
//go:embed *.yaml
var builtinFS embed.FS

// builtinDir prefixes the names of built-in files in problems.
const builtinDir = "built-in"

// source is one definition file.
type source struct {
	file    string
	data    []byte
	builtin bool
}

// parsed is one playbook as read, with where its values came from.
type parsed struct {
	pb       *Playbook
	builtin  bool
	lines    map[string]int
	bad      map[string]bool  // value paths that could not be decoded
	pageErrs map[string]error // page targets that could not be read, by path
	broken   bool             // it had decoding problems
}

// line returns the line of a value path, of its closest parent that has one,
// or of the playbook itself.
func (p *parsed) line(path string) int {
	for {
		if l, ok := p.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return p.lines[""]
		}
		path = path[:i]
	}
}

// sources reads the built-ins and then dir's *.yaml and *.yml files, each in
// name order. An empty dir means the built-ins alone.
func sources(dir string) ([]source, error) {
	names, err := fs.Glob(builtinFS, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list built-in playbooks: %w", err)
	}
	var srcs []source
	for _, name := range names {
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read built-in playbook %s: %w", name, err)
		}
		srcs = append(srcs, source{file: builtinDir + "/" + name, data: data, builtin: true})
	}
	if dir == "" {
		return srcs, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read playbook directory: %w", err)
	}
	for _, e := range entries { // ReadDir sorts by name
		ext := filepath.Ext(e.Name())
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read playbook file: %w", err)
		}
		srcs = append(srcs, source{file: file, data: data})
	}
	return srcs, nil
}

// parse decodes every YAML document of a file into a playbook.
func parse(src source) ([]*parsed, []Problem) {
	var out []*parsed
	var problems []Problem
	dec := yaml.NewDecoder(bytes.NewReader(src.data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, problems
		}
		if err != nil {
			return out, append(problems, syntaxProblem(src.file, err))
		}
		root := &doc
		if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
			root = doc.Content[0]
		}
		if root.Kind == yaml.DocumentNode || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
			continue // an empty document
		}
		d := decoder{file: src.file, lines: map[string]int{}, bad: map[string]bool{}, pageErrs: map[string]error{}}
		pb := &Playbook{Source: src.file}
		d.decode(root, reflect.ValueOf(pb).Elem(), "")
		out = append(out, &parsed{pb: pb, builtin: src.builtin, lines: d.lines, bad: d.bad, pageErrs: d.pageErrs, broken: len(d.problems) > 0})
		problems = append(problems, d.problems...)
	}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 error into a problem with its line.
func syntaxProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{File: file, Line: line, Msg: "YAML syntax: " + m[2]}
	}
	return Problem{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

// suggest proposes the known field closest to an unknown one, as
// "; did you mean X?", or nothing.
func suggest(name string, fields map[string]int) string {
	var best []string
	for f := range fields {
		near := name != "" && name[0] == f[0] && distance(name, f) <= 2
		if near || strings.HasPrefix(f, name) || strings.HasPrefix(name, f) {
			best = append(best, f)
		}
	}
	if len(best) == 0 {
		return ""
	}
	sort.Strings(best)
	return fmt.Sprintf(" (did you mean %q?)", best[0])
}

// distance is the Levenshtein distance between two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
