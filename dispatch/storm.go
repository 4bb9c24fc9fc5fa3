package dispatch

import (
	"fmt"

	"github.com/tocsin-dev/tocsin/incident"
	"github.com/tocsin-dev/tocsin/playbooks"
)

// The storm guard. A playbook that groups by alarm (the built-in default
// does: an alarm nobody wrote a playbook for is its own incident) opens one
// incident, and so one Slack channel, per alarm. In an alarm storm of
// unrelated alarms that is hundreds of channels, which Slack lets an app
// create only about 20 a minute, and nobody can follow. So once
// Config.StormAfter incidents of such a playbook are open, its next new
// alarms join one incident, "Alarm storm: <playbook>", under the group key
// storm:<playbook> (outside the pb:<playbook>: keys it counts). The
// incidents opened before stay as they are; once the storm incident is
// resolved, alarms open their own incidents again while fewer than
// StormAfter are open.

// stormKey is the group key of a playbook's storm incident.
func stormKey(pb *playbooks.Playbook) string { return "storm:" + pb.Name }

// openOrStorm opens an incident for a new alarm, or, when its playbook is
// in a storm, adds the alarm to the storm incident (opening that first).
func (e *Engine) openOrStorm(tx incident.Tx, pb *playbooks.Playbook, key, service string, a incident.Alarm) error {
	storm, err := e.inStorm(tx, pb)
	if err != nil || !storm {
		if err == nil {
			err = e.openFromAlarm(tx, pb, key, service, a.Title(), a)
		}
		return err
	}
	id, ok, err := tx.OpenByKey(stormKey(pb))
	switch {
	case err != nil:
		return err
	case ok:
		before, err := tx.Incident(id)
		if err != nil {
			return err
		}
		return e.joinAlarm(tx, before, pb, a)
	}
	title := fmt.Sprintf("Alarm storm: %s alarms (%d or more at once)", pb.Name, e.cfg.StormAfter+1)
	return e.openFromAlarm(tx, pb, stormKey(pb), service, title, a)
}

// inStorm reports whether a playbook's new alarms go to its storm incident:
// it groups by alarm, and its storm incident is open or StormAfter of its
// incidents are.
func (e *Engine) inStorm(tx incident.Tx, pb *playbooks.Playbook) (bool, error) {
	if e.cfg.StormAfter <= 0 || (pb.GroupBy != "" && pb.GroupBy != "alarm") {
		return false, nil
	}
	if _, ok, err := tx.OpenByKey(stormKey(pb)); err != nil || ok {
		return ok, err
	}
	n, err := tx.CountOpenKeys("pb:"+pb.Name+":", e.cfg.StormAfter)
	return n >= e.cfg.StormAfter, err
}
