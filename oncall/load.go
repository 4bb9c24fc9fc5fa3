package oncall

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Dir is the subdirectory of the playbook directory that holds rotations.
const Dir = "rotations"

// Load reads the rotations in playbooksDir/rotations (see Dir). No
// playbook directory, or no rotations directory in it, is an empty Set. A
// set with any problem is refused with Problems, so a mistake never
// half-applies.
func Load(playbooksDir string) (*Set, error) {
	rs, problems := read(playbooksDir)
	if len(problems) > 0 {
		return nil, Problems(problems)
	}
	return NewSet(rs...), nil
}

// Check reports every problem of the rotations in playbooksDir, in file
// and line order: everything Load refuses.
func Check(playbooksDir string) []Problem {
	_, problems := read(playbooksDir)
	return problems
}

// read parses and validates every rotation file.
func read(playbooksDir string) ([]*Rotation, []Problem) {
	if playbooksDir == "" {
		return nil, nil
	}
	dir := filepath.Join(playbooksDir, Dir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []Problem{{File: dir, Msg: "cannot read the rotations directory: " + err.Error()}}
	}
	var rs []*Rotation
	var problems []Problem
	where := map[string]string{} // rotation name -> file:line of its first definition
	for _, e := range entries {  // ReadDir sorts by name
		ext := filepath.Ext(e.Name())
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, Problem{File: file, Msg: "cannot read: " + err.Error()})
			continue
		}
		got, ps := parseFile(file, data)
		slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
		problems = append(problems, ps...)
		for _, g := range got {
			if first, dup := where[g.r.Name]; dup {
				problems = append(problems, Problem{File: file, Line: g.line, Rotation: g.r.Name, Field: "name",
					Msg: "a rotation of this name is already defined at " + first})
				continue
			}
			where[g.r.Name] = fmt.Sprintf("%s:%d", file, g.line)
			rs = append(rs, g.r)
		}
	}
	return rs, problems
}

// parsedRotation is a valid rotation and the line it starts on.
type parsedRotation struct {
	r    *Rotation
	line int
}

// parseFile decodes every YAML document of a file as a rotation and keeps
// the valid ones.
func parseFile(file string, data []byte) ([]parsedRotation, []Problem) {
	var out []parsedRotation
	var problems []Problem
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, problems
		}
		if err != nil {
			return out, append(problems, Problem{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(err.Error(), "yaml: ")})
		}
		root := &doc
		if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
			root = doc.Content[0]
		}
		if root.Kind == yaml.DocumentNode || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
			continue // an empty document
		}
		d := &decoder{file: file}
		r := d.rotation(root)
		problems = append(problems, d.problems...)
		if len(d.problems) == 0 {
			out = append(out, parsedRotation{r: r, line: root.Line})
		}
	}
}
