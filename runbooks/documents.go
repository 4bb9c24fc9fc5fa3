package runbooks

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Documents holds tocsin's own narrow SSM documents (documents/*.json).
// Operators create them in their account under the file's base name, for
// example: aws ssm create-document --name Tocsin-RestartECSService
// --document-type Automation --document-format JSON
// --content file://Tocsin-RestartECSService.json
//
//go:embed documents/*.json
var Documents embed.FS

// docSpec is what tocsin knows of an SSM document: its kind and parameters.
type docSpec struct {
	kind   Kind
	params map[string]paramSpec
}

type paramSpec struct {
	required bool
	// shell: the value becomes text of a shell or PowerShell script.
	shell bool
}

// awsDocuments are the AWS-owned documents the built-ins use, with their
// real parameter names (case matters: AWS-RebootRdsInstance, not RDS).
var awsDocuments = map[string]docSpec{
	"AWS-RunShellScript":      scriptDoc(),
	"AWS-RunPowerShellScript": scriptDoc(),
	"AWS-RestartEC2Instance": {kind: KindAutomation, params: map[string]paramSpec{
		"InstanceId": {required: true}, "AutomationAssumeRole": {}}},
	"AWS-RebootRdsInstance": {kind: KindAutomation, params: map[string]paramSpec{
		"InstanceId": {required: true}, "AutomationAssumeRole": {}}},
}

func scriptDoc() docSpec {
	return docSpec{kind: KindCommand, params: map[string]paramSpec{
		"commands":         {required: true, shell: true},
		"workingDirectory": {},
		"executionTimeout": {},
	}}
}

// knownDocuments returns the AWS documents above and tocsin's own.
func knownDocuments() map[string]docSpec {
	out := make(map[string]docSpec, len(awsDocuments)+4)
	for k, v := range awsDocuments {
		out[k] = v
	}
	own, err := ownDocuments(Documents)
	if err != nil { // the embedded files are checked by the tests
		return out
	}
	for k, v := range own {
		out[k] = v
	}
	return out
}

// ssmDocument is the part of an SSM document's JSON tocsin reads.
type ssmDocument struct {
	SchemaVersion string `json:"schemaVersion"`
	Parameters    map[string]struct {
		Type              string `json:"type"`
		Default           any    `json:"default"`
		AllowedPattern    string `json:"allowedPattern"`
		AllowedValues     []any  `json:"allowedValues"`
		InterpolationType string `json:"interpolationType"`
	} `json:"parameters"`
}

// ownDocuments parses documents/*.json. A parameter of a Command document
// counts as shell text unless it is passed as an environment variable
// (interpolationType ENV_VAR).
func ownDocuments(fsys fs.FS) (map[string]docSpec, error) {
	files, err := fs.Glob(fsys, "documents/*.json")
	if err != nil {
		return nil, err
	}
	out := map[string]docSpec{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var d ssmDocument
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("parse SSM document %s: %w", f, err)
		}
		spec := docSpec{kind: KindAutomation, params: map[string]paramSpec{}}
		if !strings.HasPrefix(d.SchemaVersion, "0.") {
			spec.kind = KindCommand
		}
		for name, p := range d.Parameters {
			spec.params[name] = paramSpec{
				required: p.Default == nil,
				shell:    spec.kind == KindCommand && p.InterpolationType != "ENV_VAR",
			}
		}
		out[strings.TrimSuffix(path.Base(f), ".json")] = spec
	}
	return out, nil
}
