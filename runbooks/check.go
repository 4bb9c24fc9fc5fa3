package runbooks

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a runbook definition.
type Problem struct {
	File string
	Line int
	Msg  string
}

// String renders the problem as file:line: problem.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// builtinPrefix names the embedded files in problems.
const builtinPrefix = "builtin/"

// Check reads the built-in runbooks and the *.yaml and *.yml files of dir
// ("" for none) and returns every problem found, sorted by file and line.
// An empty result means Load will accept the same definitions.
func Check(dir string) []Problem {
	_, problems := loadAll(dir)
	return problems
}

// source is one parsed definition with the file it came from.
type source struct {
	rb      *Runbook
	builtin bool
}

// loadAll parses the built-ins, then dir, and reports every problem.
func loadAll(dir string) ([]source, []Problem) {
	docs := knownDocuments()
	var out []source
	var problems []Problem
	add := func(files []namedFile, builtin bool) {
		seen := map[string]string{}
		for _, f := range files {
			rbs, ps := parseFile(f.name, f.data, docs)
			problems = append(problems, ps...)
			for _, rb := range rbs {
				if first, dup := seen[rb.Name]; dup {
					problems = append(problems, Problem{File: f.name, Line: 1, Msg: fmt.Sprintf("runbook %q is also defined in %s", rb.Name, first)})
					continue
				}
				seen[rb.Name] = f.name
				out = append(out, source{rb: rb, builtin: builtin})
			}
		}
	}
	builtins, err := readFiles(builtinFS, ".", builtinPrefix)
	if err != nil {
		problems = append(problems, Problem{File: "builtin", Msg: err.Error()})
	}
	add(builtins, true)
	if dir != "" {
		files, err := readFiles(os.DirFS(dir), ".", dir+string(filepath.Separator))
		if err != nil {
			problems = append(problems, Problem{File: dir, Msg: "cannot read the runbook directory: " + cleanFSError(err)})
		}
		add(files, false)
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return out, problems
}

type namedFile struct {
	name string
	data []byte
}

// readFiles reads the *.yaml and *.yml files directly in dir of fsys,
// naming them prefix+base, in name order.
func readFiles(fsys fs.FS, dir, prefix string) ([]namedFile, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []namedFile
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || ext != ".yaml" && ext != ".yml" {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, namedFile{name: prefix + e.Name(), data: b})
	}
	return out, nil
}

func cleanFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// parseFile decodes every YAML document of a file into a runbook.
// Runbooks are returned only when the file has no problems at all.
func parseFile(file string, data []byte, docs map[string]docSpec) ([]*Runbook, []Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Runbook
	var problems []Problem
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, yamlProblems(file, err)...)
			break
		}
		if len(n.Content) == 0 {
			continue
		}
		rb, ps := parseDefinition(file, n.Content[0], docs)
		problems = append(problems, ps...)
		if rb != nil {
			out = append(out, rb)
		}
	}
	if len(out) == 0 && len(problems) == 0 {
		problems = append(problems, Problem{File: file, Line: 1, Msg: "the file defines no runbook"})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return out, nil
}

func parseDefinition(file string, root *yaml.Node, docs map[string]docSpec) (*Runbook, []Problem) {
	c := &checker{file: file, pos: positions{"": root.Line}, docs: docs}
	if root.Kind != yaml.MappingNode {
		c.add("", "a runbook must be a mapping of fields (name, kind, document, ...)")
		return nil, c.problems
	}
	walkFields(root, reflect.TypeFor[definition](), "", c.pos, func(line int, msg string) {
		c.problems = append(c.problems, Problem{File: file, Line: line, Msg: msg})
	})
	var d definition
	if err := root.Decode(&d); err != nil {
		return nil, append(c.problems, yamlProblems(file, err)...)
	}
	rb := c.compile(&d)
	return rb, c.problems
}
