package sim

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
)

func TestSSM_DescribeDocument(t *testing.T) {
	tests := []struct {
		doc    string
		typ    types.DocumentType
		params []string // name:type:default ("-" when required)
	}{
		{"AWS-RunShellScript", types.DocumentTypeCommand,
			[]string{"commands:StringList:-", "executionTimeout:String:3600", "workingDirectory:String:"}},
		{"AWS-ConfigureAWSPackage", types.DocumentTypeCommand,
			[]string{"action:String:-", "installationType:String:Uninstall and reinstall", "name:String:-", "version:String:"}},
		{"AWS-RestartEC2Instance", types.DocumentTypeAutomation,
			[]string{"AutomationAssumeRole:String:", "InstanceId:StringList:-"}},
	}
	f := mustSSM(t, SSMOptions{})
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			out, err := f.client.DescribeDocument(context.Background(), &ssm.DescribeDocumentInput{Name: aws.String(tt.doc)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range out.Document.Parameters {
				def := "-"
				if p.DefaultValue != nil {
					def = *p.DefaultValue
				}
				got = append(got, aws.ToString(p.Name)+":"+string(p.Type)+":"+def)
			}
			if diff := cmp.Diff(tt.params, got); diff != "" || out.Document.DocumentType != tt.typ {
				t.Errorf("type %s, parameters (-want +got):\n%s", out.Document.DocumentType, diff)
			}
		})
	}
	_, err := f.client.DescribeDocument(context.Background(), &ssm.DescribeDocumentInput{Name: aws.String("AWS-Nope")})
	if !ssmIs[*types.InvalidDocument](err) {
		t.Errorf("unknown document: %v", err)
	}
}

func TestSSM_GetDocumentAndAddDocument(t *testing.T) {
	f := mustSSM(t, SSMOptions{})
	err := f.sim.AddDocument(SSMDocument{Name: "Tocsin-RestartService", Type: "Command", Params: map[string]SSMParam{
		"service": {Required: true, AllowedPattern: `[a-z][a-z0-9-]*`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.client.GetDocument(context.Background(), &ssm.GetDocumentInput{Name: aws.String("Tocsin-RestartService")})
	if err != nil {
		t.Fatal(err)
	}
	var content struct {
		SchemaVersion string `json:"schemaVersion"`
		Parameters    map[string]struct {
			Type           string `json:"type"`
			AllowedPattern string `json:"allowedPattern"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Content)), &content); err != nil {
		t.Fatal(err)
	}
	if p := content.Parameters["service"]; content.SchemaVersion != "2.2" || p.Type != "String" || p.AllowedPattern != `[a-z][a-z0-9-]*` {
		t.Errorf("content = %+v", content)
	}
	for value, ok := range map[string]bool{"nginx": true, "Nginx": false, "nginx; rm -rf /": false} {
		_, err := f.client.SendCommand(context.Background(), &ssm.SendCommandInput{
			DocumentName: aws.String("Tocsin-RestartService"), InstanceIds: []string{"i-0aaa"},
			Parameters: map[string][]string{"service": {value}}})
		if (err == nil) != ok || (!ok && !ssmIs[*types.InvalidParameters](err)) {
			t.Errorf("service=%q: err = %v, want ok=%v", value, err, ok)
		}
	}
	if err := f.sim.AddDocument(SSMDocument{Name: "Bad", Type: "Command",
		Params: map[string]SSMParam{"x": {AllowedPattern: "("}}}); err == nil {
		t.Error("AddDocument accepted a pattern that does not compile")
	}
	if err := f.sim.AddDocument(SSMDocument{Name: "Bad", Type: "Session"}); err == nil {
		t.Error("AddDocument accepted type Session")
	}
}
