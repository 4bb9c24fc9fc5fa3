package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/incident"
)

// Slack error codes by what tocsin does about them.
var (
	// transientCodes are Slack's own "try again" answers.
	transientCodes = map[string]bool{
		"ratelimited": true, "internal_error": true, "fatal_error": true,
		"service_unavailable": true, "request_timeout": true, "team_added_to_org": true,
	}
	// permanentCodes cannot succeed by retrying: the app's setup or the
	// request is wrong.
	permanentCodes = map[string]bool{
		"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
		"token_expired": true, "missing_scope": true, "no_permission": true, "restricted_action": true,
		"not_allowed_token_type": true, "invalid_blocks": true, "invalid_blocks_format": true,
		"msg_too_long": true, "no_text": true, "not_in_channel": true, "too_long": true,
		"invalid_name_specials": true, "invalid_name_maxlength": true, "invalid_name_required": true,
		"invalid_name_punctuation": true, "invalid_arguments": true, "cant_update_message": true,
		"message_not_found": true, "user_is_restricted": true, "ekm_access_denied": true,
		// An id that names nobody: a placeholder left in a playbook, someone who left.
		codeNoGroup: true, codeNoUser: true, codeNoGroups: true,
	}
	// goneCodes: the incident's channel was deleted or archived by hand.
	goneCodes = map[string]bool{"channel_not_found": true, "is_archived": true}
)

// slackCode returns the error code of a Slack ok:false answer, or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	var sp *slack.SlackErrorResponse
	if errors.As(err, &sp) {
		return sp.Err
	}
	return ""
}

// classify turns a failed effect's error into what the outbox acts on:
// a RetryError (rate limits, server errors, timeouts, resets), an error
// wrapping dispatch.ErrPermanent (nothing a retry can fix), or a plain
// error the outbox retries with its own backoff.
func classify(eff incident.Effect, inc incident.Incident, err error) error {
	var retry *dispatch.RetryError
	if errors.As(err, &retry) {
		return err
	}
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return dispatch.Retry(limited.RetryAfter, fmt.Errorf("%s for %s: %w", eff.Kind, inc.ID, err))
	}
	if transient(err) {
		return dispatch.Retry(backoff(eff.Attempts), fmt.Errorf("%s for %s: %w", eff.Kind, inc.ID, err))
	}
	code := slackCode(err)
	switch {
	case goneCodes[code]:
		return fmt.Errorf("%w: %w: %s for %s: channel %s was deleted or archived outside tocsin (%s); tocsin does not unarchive or recreate it: %w",
			dispatch.ErrPermanent, dispatch.ErrChannelGone, eff.Kind, inc.ID, inc.Channel.ID, code, err)
	case permanentCodes[code]:
		return fmt.Errorf("%w: %s for %s: Slack refused it: %w", dispatch.ErrPermanent, eff.Kind, inc.ID, err)
	}
	return fmt.Errorf("%s for %s: %w", eff.Kind, inc.ID, err)
}

// transient reports whether an error is a server error, a timeout or a
// broken connection: worth retrying soon.
func transient(err error) bool {
	var status slack.StatusCodeError
	if errors.As(err, &status) {
		return status.Code >= 500 || status.Code == 408 || status.Code == 429
	}
	if transientCodes[slackCode(err)] {
		return true
	}
	var netErr net.Error
	var urlErr *url.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr) || errors.As(err, &urlErr)
}

// backoff is the delay before retry number attempts+1: 1 s doubling, at
// most five minutes.
func backoff(attempts int) time.Duration {
	d := time.Second << min(max(attempts, 0), 9)
	return min(d, 5*time.Minute)
}
