package main

import "context"

// wireSlack mounts the Slack endpoints and the Slack executor.
func (a *app) wireSlack(ctx context.Context, d deps) error { return nil }
