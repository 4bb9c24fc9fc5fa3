package incident

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrNotFound: no incident (or other record) with that id.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: input that can never be accepted as given.
	ErrInvalid = errors.New("invalid")
	// ErrIllegalTransition: the lifecycle does not allow the change now.
	ErrIllegalTransition = errors.New("illegal transition")
	// ErrTampered: a timeline's hash chain does not verify.
	ErrTampered = errors.New("timeline tampered")
)

// TransitionError says which change was refused, from which state, and what
// would have been allowed.
type TransitionError struct {
	From    Status
	To      Status
	Allowed []Status
}

func (e *TransitionError) Error() string {
	allowed := make([]string, len(e.Allowed))
	for i, s := range e.Allowed {
		allowed[i] = string(s)
	}
	list := strings.Join(allowed, ", ")
	if list == "" {
		list = "none"
	}
	return fmt.Sprintf("cannot move an incident from %s to %s (allowed from %s: %s)", e.From, e.To, e.From, list)
}

// Unwrap makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }
