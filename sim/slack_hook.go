package sim

import "maps"

// OnCall makes fn run after each call of method (e.g. "conversations.create")
// has been decided — its effect applied, or its error chosen — and before the
// answer is written. A crash test kills the program under test there, so
// that the call took effect but its caller never heard the answer; a test
// may also hold the answer back past the caller's timeout. fn gets the call
// as recorded and runs without the stand-in's lock. Injected faults that
// answer without reaching the method ([SlackFault] Status, Error or Reset)
// do not run it. A nil fn removes the hook.
func (s *Slack) OnCall(method string, fn func(SlackCall)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setHook(&s.hooks, method, fn)
}

// slackHook runs the hook of q's method, if any, for the reply decided.
func (s *Slack) slackHook(q *slackRequest, rep slackReply) {
	s.mu.Lock()
	fn := s.hooks[q.method]
	s.mu.Unlock()
	if fn == nil {
		return
	}
	fn(SlackCall{Method: q.method, Params: maps.Clone(q.params), At: s.slackNow(), Status: rep.httpStatus(), Error: rep.err})
}
