package runbooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tocsin-dev/tocsin/incident"
)

const validateDef = `
name: validate
kind: automation
document: Team-Doc
parameters:
  Service: ["{{input.service}}"]
  Name: ["{{input.name}}"]
  Count: ["{{input.count}}"]
  Force: ["{{input.force}}"]
  Instance: ["{{input.instance}}"]
inputs:
  - {name: service, allowed: [api, worker]}
  - {name: name, pattern: '[a-z0-9-]{1,40}'}
  - {name: count, type: int, pattern: '[0-9]|10', default: "1"}
  - {name: force, type: bool, default: "false"}
  - {name: instance, type: instance_id, default: i-0123456789abcdef0}
approval: none
`

func TestRunbook_Validate(t *testing.T) {
	r := MustParse(t, validateDef)
	long := strings.Repeat("a", 300)
	tests := []struct {
		name    string
		args    map[string]string
		want    map[string]string
		wantErr []string // substrings of the error
	}{
		{name: "OK", args: map[string]string{"service": "api", "name": "web-1"},
			want: map[string]string{"service": "api", "name": "web-1", "count": "1", "force": "false", "instance": "i-0123456789abcdef0"}},
		{name: "Normalised", args: map[string]string{"service": "worker", "name": "x", "count": "007", "force": "YES", "instance": "i-0123abcd"},
			want: map[string]string{"service": "worker", "name": "x", "count": "7", "force": "true", "instance": "i-0123abcd"}},
		{name: "CommandSubstitution", args: map[string]string{"service": "api", "name": "$(reboot)"},
			wantErr: []string{`input name must be a value matching ^(?:[a-z0-9-]{1,40})$; got "$(reboot)".`}},
		{name: "Semicolon", args: map[string]string{"service": "api; rm -rf /", "name": "x"},
			wantErr: []string{`input service must be one of api, worker; got "api; rm -rf /".`}},
		{name: "RmRf", args: map[string]string{"service": "api", "name": "; rm -rf /"},
			wantErr: []string{`input name must be`}},
		{name: "Backticks", args: map[string]string{"service": "api", "name": "`reboot`"},
			wantErr: []string{`got "` + "`reboot`" + `"`}},
		{name: "NewlineInjection", args: map[string]string{"service": "api", "name": "web\nreboot"},
			wantErr: []string{"input name contains a line break or control character"}},
		{name: "CarriageReturn", args: map[string]string{"service": "api\r", "name": "x"},
			wantErr: []string{"input service contains a line break"}},
		{name: "TooLong", args: map[string]string{"service": "api", "name": long},
			wantErr: []string{"input name is 300 characters long; at most 256 are allowed."}},
		{name: "PatternNotAnchoredByAuthor", args: map[string]string{"service": "api", "name": "ok-name;reboot"},
			wantErr: []string{"input name must be"}},
		{name: "SSMReference", args: map[string]string{"service": "api", "name": "{{ssm:/db/password}}"},
			wantErr: []string{"input name may not contain {{ or }}."}},
		{name: "UnknownKey", args: map[string]string{"service": "api", "name": "x", "commands": "reboot"},
			wantErr: []string{`"commands" is not an input of runbook validate (its inputs are service, name, count, force, instance).`}},
		{name: "Missing", args: map[string]string{"name": "x"},
			wantErr: []string{"input service is required: give one of api, worker."}},
		{name: "EmptyIsMissing", args: map[string]string{"service": "", "name": "x"},
			wantErr: []string{"input service is required"}},
		{name: "NotAnInt", args: map[string]string{"service": "api", "name": "x", "count": "ten"},
			wantErr: []string{`input count must be a whole number matching ^(?:[0-9]|10)$; got "ten".`}},
		{name: "IntOutOfRange", args: map[string]string{"service": "api", "name": "x", "count": "11"},
			wantErr: []string{`input count must be a whole number`}},
		{name: "NotABool", args: map[string]string{"service": "api", "name": "x", "force": "maybe"},
			wantErr: []string{`input force must be true or false; got "maybe".`}},
		{name: "NotAnInstance", args: map[string]string{"service": "api", "name": "x", "instance": "i-xyz"},
			wantErr: []string{`input instance must be an instance id like i-0123456789abcdef0; got "i-xyz".`}},
		{name: "Several", args: map[string]string{"service": "db", "name": "$(x)"},
			wantErr: []string{"input service must be one of", "input name must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Validate(tt.args)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("values (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %v as %v", tt.args, got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, incident.ErrInvalid) {
				t.Errorf("error does not wrap incident.ErrInvalid")
			}
		})
	}
}

func TestRunbook_Validate_NeverEchoesLongValues(t *testing.T) {
	r := MustParse(t, validateDef)
	bad := strings.Repeat("x", 60) + strings.Repeat("SECRET", 30)
	_, err := r.Validate(map[string]string{"service": bad, "name": "x"})
	if err == nil {
		t.Fatal("accepted")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error echoes more than 64 characters: %q", err)
	}
	_, err = r.Validate(map[string]string{"service": "api", "name": "x", strings.Repeat("k", 100): "v"})
	if err == nil || strings.Contains(err.Error(), strings.Repeat("k", 65)) {
		t.Errorf("unknown key echoed in full: %v", err)
	}
}
