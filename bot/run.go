package bot

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tocsin-dev/tocsin/incident"
)

// RunView is what an approval request or a run's progress message shows:
// exactly what will run, where, with which values.
type RunView struct {
	ID          string
	Incident    incident.ID
	Runbook     string
	Document    string
	Targets     []string
	Params      map[string]string
	RequestedBy string
	Expires     time.Time
	Status      string
}

// runPlan is the JSON of a run's plan as the "requested" runbook event
// stores it (Data "plan"): the document, where it runs, and its parameters.
type runPlan struct {
	Document        string              `json:"document"`
	DocumentVersion string              `json:"document_version"`
	InstanceIDs     []string            `json:"instance_ids"`
	Targets         []runTarget         `json:"targets"`
	Parameters      map[string][]string `json:"parameters"`
}

type runTarget struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// runViewFromData reads a run from an effect's Data. It accepts the Data of
// the run's "requested" runbook event (run, runbook, by, plan, expires_at)
// and the flat keys document, targets (comma-separated), params (a JSON
// object of strings), requested_by, expires (RFC 3339) and status.
func runViewFromData(id incident.ID, d map[string]string) (RunView, error) {
	rv := RunView{
		ID: d["run"], Incident: id, Runbook: d["runbook"], Document: d["document"],
		RequestedBy: cmp.Or(d["requested_by"], d["by"]), Status: d["status"],
	}
	if rv.ID == "" {
		return RunView{}, errors.New("the effect names no run")
	}
	for t := range strings.SplitSeq(d["targets"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			rv.Targets = append(rv.Targets, t)
		}
	}
	if p := d["params"]; p != "" {
		if err := json.Unmarshal([]byte(p), &rv.Params); err != nil {
			return RunView{}, fmt.Errorf("read parameters of run %s: %w", rv.ID, err)
		}
	}
	if p := d["plan"]; p != "" {
		if err := rv.addPlan(p); err != nil {
			return RunView{}, err
		}
	}
	if e := cmp.Or(d["expires"], d["expires_at"]); e != "" {
		t, err := time.Parse(time.RFC3339Nano, e)
		if err != nil {
			return RunView{}, fmt.Errorf("read expiry of run %s: %w", rv.ID, err)
		}
		rv.Expires = t
	}
	return rv, nil
}

// addPlan fills the document, targets and parameters from a plan's JSON.
// A parameter with several values shows them as a JSON list, so that no
// value can be mistaken for two.
func (rv *RunView) addPlan(raw string) error {
	var p runPlan
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return fmt.Errorf("read plan of run %s: %w", rv.ID, err)
	}
	rv.Document = cmp.Or(p.Document, rv.Document)
	if p.DocumentVersion != "" {
		rv.Document += " (version " + p.DocumentVersion + ")"
	}
	rv.Targets = append(rv.Targets, p.InstanceIDs...)
	for _, t := range p.Targets {
		rv.Targets = append(rv.Targets, t.Key+"="+strings.Join(t.Values, ","))
	}
	for _, k := range slices.Sorted(maps.Keys(p.Parameters)) {
		if rv.Params == nil {
			rv.Params = map[string]string{}
		}
		vs := p.Parameters[k]
		if len(vs) == 1 {
			rv.Params[k] = vs[0]
			continue
		}
		b, _ := json.Marshal(vs) // strings always encode
		rv.Params[k] = string(b)
	}
	return nil
}
