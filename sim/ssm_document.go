package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// SSMDocument describes a document the SSM stand-in accepts.
type SSMDocument struct {
	Name string
	// Type is "Command" (for SendCommand) or "Automation".
	Type        string
	Description string
	Params      map[string]SSMParam
	// Steps are the plugins of a Command document or the steps of an
	// Automation runbook. The default is one aws:runShellScript plugin, or
	// one aws:executeScript step named "run".
	Steps []SSMStep
}

// SSMParam declares one document parameter.
type SSMParam struct {
	// Type is "String" (the default) or "StringList".
	Type        string
	Description string
	// Default is the value used when the parameter is omitted; ignored when
	// Required.
	Default  string
	Required bool
	// AllowedPattern must match each whole value (SSM anchors it).
	AllowedPattern string
	AllowedValues  []string
}

// SSMStep is one plugin or runbook step.
type SSMStep struct {
	Name   string
	Action string
}

type ssmDoc struct {
	SSMDocument
	owner    string
	hash     string
	patterns map[string]*regexp.Regexp
}

// AddDocument registers (or replaces) a document. It reports an
// AllowedPattern that does not compile, or a Type that is neither Command
// nor Automation.
func (s *SSM) AddDocument(d SSMDocument) error {
	doc, err := ssmNewDoc(d, "123456789012")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[d.Name] = doc
	return nil
}

func ssmNewDoc(d SSMDocument, owner string) (*ssmDoc, error) {
	if d.Type != "Command" && d.Type != "Automation" {
		return nil, fmt.Errorf("add document %q: type %q is neither Command nor Automation", d.Name, d.Type)
	}
	if len(d.Steps) == 0 && d.Type == "Command" {
		d.Steps = []SSMStep{{Name: "aws:runShellScript", Action: "aws:runShellScript"}}
	}
	if len(d.Steps) == 0 {
		d.Steps = []SSMStep{{Name: "run", Action: "aws:executeScript"}}
	}
	doc := &ssmDoc{SSMDocument: d, owner: owner, patterns: map[string]*regexp.Regexp{}}
	for name, p := range d.Params {
		if p.AllowedPattern == "" {
			continue
		}
		re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("add document %q: parameter %s: %w", d.Name, name, err)
		}
		doc.patterns[name] = re
	}
	content, _ := json.Marshal(doc.content())
	sum := sha256.Sum256(content)
	doc.hash = hex.EncodeToString(sum[:])
	return doc, nil
}

// document finds a document by name or ARN; callers hold s.mu.

func (s *SSM) document(name, version string) (*ssmDoc, *ssmError) {
	if _, after, ok := strings.Cut(name, ":document/"); ok {
		name = after
	}
	d := s.docs[name]
	if d == nil {
		return nil, ssmInvalid("InvalidDocument", "Document %s does not exist in your account", name)
	}
	switch version {
	case "", "$DEFAULT", "$LATEST", "1":
		return d, nil
	}
	return nil, ssmInvalid("InvalidDocumentVersion", "Document %s has no version %s", name, version)
}

// problem reports the first thing wrong with params, or "".
func (d *ssmDoc) problem(params map[string][]string) string {
	for _, name := range slices.Sorted(maps.Keys(params)) {
		p, ok := d.Params[name]
		if !ok {
			return fmt.Sprintf("Parameter %q is not defined in document %s", name, d.Name)
		}
		if p.Type != "StringList" && len(params[name]) > 1 {
			return fmt.Sprintf("Parameter %q takes a single String value", name)
		}
		for _, v := range params[name] {
			if re := d.patterns[name]; re != nil && !re.MatchString(v) {
				return fmt.Sprintf("Parameter %q value %q does not match pattern %s", name, v, p.AllowedPattern)
			}
			if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, v) {
				return fmt.Sprintf("Parameter %q value %q is not one of %v", name, v, p.AllowedValues)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(d.Params)) {
		if d.Params[name].Required && len(params[name]) == 0 {
			return fmt.Sprintf("Parameter %q is required by document %s", name, d.Name)
		}
	}
	return ""
}

// content is the document body GetDocument returns.
func (d *ssmDoc) content() map[string]any {
	params := map[string]any{}
	for name, p := range d.Params {
		typ := p.Type
		if typ == "" {
			typ = "String"
		}
		m := map[string]any{"type": typ, "description": p.Description}
		if !p.Required && typ == "StringList" {
			m["default"] = slices.DeleteFunc([]string{p.Default}, func(v string) bool { return v == "" })
		} else if !p.Required {
			m["default"] = p.Default
		}
		if p.AllowedPattern != "" {
			m["allowedPattern"] = p.AllowedPattern
		}
		if len(p.AllowedValues) > 0 {
			m["allowedValues"] = p.AllowedValues
		}
		params[name] = m
	}
	steps := make([]map[string]string, 0, len(d.Steps))
	for _, st := range d.Steps {
		steps = append(steps, map[string]string{"name": st.Name, "action": st.Action})
	}
	schema := "2.2"
	if d.Type == "Automation" {
		schema = "0.3"
	}
	return map[string]any{"schemaVersion": schema, "description": d.Description, "parameters": params, "mainSteps": steps}
}

func (d *ssmDoc) schemaVersion() string {
	if d.Type == "Automation" {
		return "0.3"
	}
	return "2.2"
}

type ssmDocumentRequest struct {
	Name            string
	DocumentVersion string
}

type ssmDocumentParameter struct {
	Name         string
	Type         string
	Description  string
	DefaultValue *string `json:",omitempty"`
}

func (s *SSM) describeDocument(in ssmDocumentRequest, _ time.Time) (any, *ssmError) {
	d, apiErr := s.document(in.Name, in.DocumentVersion)
	if apiErr != nil {
		return nil, apiErr
	}
	var params []ssmDocumentParameter
	for _, name := range slices.Sorted(maps.Keys(d.Params)) {
		p := d.Params[name]
		dp := ssmDocumentParameter{Name: name, Type: p.Type, Description: p.Description}
		if dp.Type == "" {
			dp.Type = "String"
		}
		if !p.Required {
			dp.DefaultValue = &p.Default
		}
		params = append(params, dp)
	}
	return map[string]any{"Document": map[string]any{
		"Name": d.Name, "Owner": d.owner, "Description": d.Description,
		"DocumentType": d.Type, "DocumentFormat": "JSON", "SchemaVersion": d.schemaVersion(),
		"Status": "Active", "DocumentVersion": "1", "LatestVersion": "1", "DefaultVersion": "1",
		"Hash": d.hash, "HashType": "Sha256", "Parameters": params,
	}}, nil
}

func (s *SSM) getDocument(in ssmDocumentRequest, _ time.Time) (any, *ssmError) {
	d, apiErr := s.document(in.Name, in.DocumentVersion)
	if apiErr != nil {
		return nil, apiErr
	}
	content, err := json.MarshalIndent(d.content(), "", "  ")
	if err != nil {
		return nil, &ssmError{"InternalServerError", 500, "encode document content"}
	}
	// Content is always JSON; YAML readers accept it as well.
	return map[string]any{
		"Name": d.Name, "DocumentType": d.Type, "DocumentFormat": "JSON",
		"DocumentVersion": "1", "Status": "Active", "Content": string(content),
	}, nil
}
