package sim

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Output limits of the real service.
const (
	ssmStdoutLimit = 24000 // GetCommandInvocation StandardOutputContent
	ssmStderrLimit = 8000  // GetCommandInvocation StandardErrorContent
	ssmPluginLimit = 2500  // ListCommandInvocations CommandPlugins[].Output
)

type ssmGetInvocationInput struct {
	CommandId, InstanceId, PluginName string
}

type ssmWireInvocationResult struct {
	CommandId, InstanceId, Comment, DocumentName, DocumentVersion, PluginName string
	ResponseCode                                                              int
	ExecutionStartDateTime, ExecutionEndDateTime, ExecutionElapsedTime        string
	StandardOutputContent, StandardOutputUrl                                  string
	StandardErrorContent, StandardErrorUrl                                    string
	Status, StatusDetails                                                     string
}

func (s *SSM) getCommandInvocation(in ssmGetInvocationInput, now time.Time) (any, *ssmError) {
	c := s.command(in.CommandId)
	var inv *ssmInvocation
	if c != nil && !now.Before(c.sentAt.Add(s.invisibleFor)) {
		if i := slices.IndexFunc(c.invocations, func(v *ssmInvocation) bool { return v.instance == in.InstanceId }); i >= 0 {
			inv = c.invocations[i]
		}
	}
	if inv == nil {
		return nil, ssmInvalid("InvocationDoesNotExist", "Invocation for command %s on instance %s does not exist", in.CommandId, in.InstanceId)
	}
	if in.PluginName != "" && in.PluginName != c.plugin {
		return nil, ssmInvalid("InvalidPluginName", "Plugin %s is not part of document %s", in.PluginName, c.document)
	}
	st := s.invocationState(c, inv, now)
	out := ssmWireInvocationResult{CommandId: c.id, InstanceId: inv.instance, Comment: c.comment,
		DocumentName: c.document, DocumentVersion: c.version, PluginName: c.plugin,
		ResponseCode: st.responseCode(inv.outcome), Status: st.status, StatusDetails: st.details,
		ExecutionStartDateTime: ssmClock(st.start), ExecutionEndDateTime: ssmClock(st.end),
		StandardOutputUrl: c.s3URL(inv.instance, "stdout"), StandardErrorUrl: c.s3URL(inv.instance, "stderr")}
	if out.DocumentVersion == "" {
		out.DocumentVersion = "$DEFAULT"
	}
	if !st.start.IsZero() {
		end := st.end
		if end.IsZero() {
			end = now
		}
		out.ExecutionElapsedTime = fmt.Sprintf("PT%.3fS", end.Sub(st.start).Seconds())
	}
	if st.terminal() && st.status != "Cancelled" {
		out.StandardOutputContent = ssmTruncate(inv.outcome.Stdout, ssmStdoutLimit)
		out.StandardErrorContent = ssmTruncate(inv.outcome.Stderr, ssmStderrLimit)
	}
	return out, nil
}

// s3URL is where the full output would be, empty without a bucket.
func (c *ssmCommand) s3URL(instance, stream string) string {
	if c.bucket == "" {
		return ""
	}
	dir := strings.ReplaceAll(c.plugin, ":", "")
	return "https://s3.amazonaws.com/" + path.Join(c.bucket, c.prefix, c.id, instance, dir, "0."+dir, stream)
}

type ssmWirePlugin struct {
	Name, Status, StatusDetails, Output   string
	ResponseCode                          int
	ResponseStartDateTime                 *float64 `json:",omitempty"`
	ResponseFinishDateTime                *float64 `json:",omitempty"`
	StandardOutputUrl, StandardErrorUrl   string
	OutputS3BucketName, OutputS3KeyPrefix string
}

type ssmWireInvocation struct {
	CommandId, InstanceId, InstanceName, Comment, DocumentName, DocumentVersion string
	RequestedDateTime                                                           float64
	Status, StatusDetails, TraceOutput                                          string
	StandardOutputUrl, StandardErrorUrl                                         string
	CommandPlugins                                                              []ssmWirePlugin
}

func (s *SSM) listCommandInvocations(in ssmListInput, now time.Time) (any, *ssmError) {
	cs, apiErr := s.newestFirst(in.CommandId)
	if apiErr != nil {
		return nil, apiErr
	}
	var keys []string
	var items []ssmWireInvocation
	for _, c := range cs {
		for _, inv := range c.invocations {
			w := s.wireInvocation(c, inv, in.Details, now)
			ok, apiErr := ssmMatch(in.Filters, c.document, w.Status, c.sentAt)
			if apiErr != nil {
				return nil, apiErr
			}
			if ok && (in.InstanceId == "" || in.InstanceId == inv.instance) {
				keys, items = append(keys, c.id+"/"+inv.instance), append(items, w)
			}
		}
	}
	page, next, apiErr := ssmPage(keys, items, in.MaxResults, in.NextToken)
	if apiErr != nil {
		return nil, apiErr
	}
	return struct {
		CommandInvocations []ssmWireInvocation
		NextToken          string `json:",omitempty"`
	}{page, next}, nil
}

func (s *SSM) wireInvocation(c *ssmCommand, inv *ssmInvocation, details bool, now time.Time) ssmWireInvocation {
	st := s.invocationState(c, inv, now)
	w := ssmWireInvocation{CommandId: c.id, InstanceId: inv.instance, Comment: c.comment,
		DocumentName: c.document, DocumentVersion: c.version, RequestedDateTime: ssmEpoch(c.sentAt),
		Status: st.status, StatusDetails: st.details, CommandPlugins: []ssmWirePlugin{},
		StandardOutputUrl: c.s3URL(inv.instance, "stdout"), StandardErrorUrl: c.s3URL(inv.instance, "stderr")}
	if w.DocumentVersion == "" {
		w.DocumentVersion = "$DEFAULT"
	}
	if !details {
		return w
	}
	p := ssmWirePlugin{Name: c.plugin, Status: st.status, StatusDetails: st.details,
		ResponseCode: st.responseCode(inv.outcome), StandardOutputUrl: w.StandardOutputUrl,
		StandardErrorUrl: w.StandardErrorUrl, OutputS3BucketName: c.bucket, OutputS3KeyPrefix: c.prefix}
	if p.Status == "Cancelling" {
		p.Status = "InProgress" // CommandPluginStatus has no Cancelling
	}
	if !st.start.IsZero() {
		t := ssmEpoch(st.start)
		p.ResponseStartDateTime = &t
	}
	if !st.end.IsZero() {
		t := ssmEpoch(st.end)
		p.ResponseFinishDateTime = &t
	}
	if st.terminal() && st.status != "Cancelled" {
		out := inv.outcome.Stdout
		if inv.outcome.Stderr != "" {
			out += "\n----------ERROR-------\n" + inv.outcome.Stderr
		}
		p.Output = ssmTruncate(out, ssmPluginLimit)
	}
	w.CommandPlugins = []ssmWirePlugin{p}
	return w
}
