package sim

// setHook sets the hook of one operation or method in hooks, or removes it
// when fn is nil: the OnCall of every stand-in that has hooks. Callers hold
// the stand-in's lock.
func setHook[C any](hooks *map[string]func(C), name string, fn func(C)) {
	if fn == nil {
		delete(*hooks, name)
		return
	}
	if *hooks == nil {
		*hooks = map[string]func(C){}
	}
	(*hooks)[name] = fn
}
