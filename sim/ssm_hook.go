package sim

// OnCall makes fn run after each call of op (e.g. "SendCommand") has been
// decided — its effect applied, or its error chosen — and before the answer
// is written. A crash test kills the program under test there, so that the
// call took effect but its caller never heard the answer. fn gets the call
// as recorded and runs without the stand-in's lock. A nil fn removes the
// hook.
func (s *SSM) OnCall(op string, fn func(SSMCall)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setHook(&s.hooks, op, fn)
}

// ssmHook runs the hook of call's operation, if any.
func (s *SSM) ssmHook(call SSMCall) {
	s.mu.Lock()
	fn := s.hooks[call.Op]
	s.mu.Unlock()
	if fn != nil {
		fn(call)
	}
}
