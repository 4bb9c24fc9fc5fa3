package oncall

import "sort"

// Set is the loaded rotations by name. It is immutable: a reload builds a
// new one.
type Set struct {
	byName map[string]*Rotation
	names  []string // sorted
}

// NewSet builds a Set from rotations (tests; Load validates first). A later
// rotation with the name of an earlier one replaces it.
func NewSet(rs ...*Rotation) *Set {
	s := &Set{byName: map[string]*Rotation{}}
	for _, r := range rs {
		if _, dup := s.byName[r.Name]; !dup {
			s.names = append(s.names, r.Name)
		}
		s.byName[r.Name] = r
	}
	sort.Strings(s.names)
	return s
}

// Get returns the rotation with a name.
func (s *Set) Get(name string) (*Rotation, bool) {
	if s == nil {
		return nil, false
	}
	r, ok := s.byName[name]
	return r, ok
}

// All returns every rotation, by name.
func (s *Set) All() []*Rotation {
	if s == nil {
		return nil
	}
	out := make([]*Rotation, len(s.names))
	for i, n := range s.names {
		out[i] = s.byName[n]
	}
	return out
}

// Names returns the rotations' names, sorted.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.names...)
}

// Len is how many rotations there are.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.names)
}
