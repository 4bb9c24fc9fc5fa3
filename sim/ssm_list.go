package sim

import (
	"slices"
	"time"
)

type ssmFilter struct {
	Key, Value string
}

type ssmListInput struct {
	CommandId, InstanceId, NextToken string
	Filters                          []ssmFilter
	MaxResults                       *int32
	Details                          bool
}

// ssmMatch applies ListCommands-style filters to one command or invocation.
func ssmMatch(filters []ssmFilter, document, status string, sentAt time.Time) (bool, *ssmError) {
	for _, f := range filters {
		var ok bool
		switch f.Key {
		case "DocumentName":
			ok = document == f.Value
		case "Status":
			ok = status == f.Value
		case "InvokedAfter", "InvokedBefore":
			t, err := time.Parse(time.RFC3339, f.Value)
			if err != nil {
				return false, ssmInvalid("InvalidFilterValue", "filter %s needs an ISO 8601 time, got %q", f.Key, f.Value)
			}
			ok = (f.Key == "InvokedAfter") == !sentAt.Before(t)
		default:
			return false, ssmInvalid("InvalidFilterKey", "filter key %q is not supported", f.Key)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// newestFirst lists the commands a list request asks for, newest first, or
// InvalidCommandId.
func (s *SSM) newestFirst(commandID string) ([]*ssmCommand, *ssmError) {
	if commandID != "" {
		c := s.command(commandID)
		if c == nil {
			return nil, ssmInvalid("InvalidCommandId", "Command %s does not exist", commandID)
		}
		return []*ssmCommand{c}, nil
	}
	cs := slices.Clone(s.commands)
	slices.Reverse(cs)
	return cs, nil
}

func (s *SSM) listCommands(in ssmListInput, now time.Time) (any, *ssmError) {
	cs, apiErr := s.newestFirst(in.CommandId)
	if apiErr != nil {
		return nil, apiErr
	}
	var keys []string
	var items []ssmWireCommand
	for _, c := range cs {
		w := s.wireCommand(c, now)
		ok, apiErr := ssmMatch(in.Filters, c.document, w.Status, c.sentAt)
		if apiErr != nil {
			return nil, apiErr
		}
		if ok && (in.InstanceId == "" || slices.ContainsFunc(c.invocations, func(inv *ssmInvocation) bool { return inv.instance == in.InstanceId })) {
			keys, items = append(keys, c.id), append(items, w)
		}
	}
	page, next, apiErr := ssmPage(keys, items, in.MaxResults, in.NextToken)
	if apiErr != nil {
		return nil, apiErr
	}
	return struct {
		Commands  []ssmWireCommand
		NextToken string `json:",omitempty"`
	}{page, next}, nil
}

// ssmPage returns the page of items starting at the item whose key is
// token, and the key of the first item after it as the next token. An
// empty page is [], not nil, so that it encodes as SSM's does.
func ssmPage[T any](keys []string, items []T, maxResults *int32, token string) ([]T, string, *ssmError) {
	limit := 50
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 50 {
			return nil, "", ssmInvalid("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", *maxResults)
		}
		limit = int(*maxResults)
	}
	start := 0
	if token != "" {
		start = slices.Index(keys, token)
		if start < 0 {
			return nil, "", ssmInvalid("InvalidNextToken", "The specified token is not valid")
		}
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	if end < len(items) {
		return page, keys[end], nil
	}
	return page, "", nil
}
