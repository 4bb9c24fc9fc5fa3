// Package oncall owns on-call rotations as code: who is on call at a given
// time, who is next and when the hand-off is.
//
// Rotations are YAML files in the rotations/ subdirectory of the playbook
// directory (TOCSIN_PLAYBOOKS/rotations/*.yaml or *.yml; one rotation per
// YAML document, several documents per file allowed). They live in a
// subdirectory because every *.yaml file of the playbook directory itself
// is read as a playbook. README.md documents the format. Load builds an
// immutable Set; Check reports every problem as file:line: problem naming
// the rotation and the field, for `tocsin check`.
//
// The arithmetic, in one place (rotation.go, shift.go):
//   - A rotation's shifts are anchored at its start date at its hand-off
//     time in its IANA time zone: the first member's shift begins then, and
//     the members follow in order, wrapping around. The order extends before
//     the start date too (the start date fixes the phase, not the beginning).
//   - daily and weekly shifts hand off at the hand-off time on the local
//     wall clock: a daily 09:00 hand-off is at 09:00 local on both sides of
//     a daylight saving change, so the shift across the change is 23 or 25
//     hours long. A hand-off time that a spring-forward change skips
//     (02:30 in America/New_York on 2026-03-08) happens as long after
//     midnight as it would have, when the clock shows 03:30; one that a
//     fall-back change repeats (01:30 on 2026-11-01) happens the first
//     time the clock shows it.
//   - "Nh" shifts are N absolute hours long, counted from the first shift's
//     start: across a daylight saving change their local hand-off times
//     move by an hour.
//   - Overrides win over the schedule: an override (who, from, to) puts
//     someone on call for [from, to). Overrides taken from chat (Override
//     values given to With) win over those in the file, the newest first.
//   - "Now" is a shift: who is on call and until when the on-call person
//     stays the same (consecutive shifts of one person merge). "Next" is
//     whoever takes over then. A rotation whose one member is always on call
//     has no next.
//
// The package is pure apart from reading the files: every question takes
// the time it is about. It imports the standard library and yaml.v3 (and
// incident for its error sentinel) only; never store, bot, dispatch or a
// Slack or PagerDuty client. It embeds the IANA time zone database
// (time/tzdata), so that zones load in the distroless image, which has
// none.
package oncall

import _ "time/tzdata" // rotations name IANA zones; the container image has no zoneinfo
