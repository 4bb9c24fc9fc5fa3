package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// ViewSubmission returns what Slack posts to the app when a person submits
// the modal viewID (opened with views.open): the view_submission
// interaction, form-encoded (payload=<the JSON>). values maps an input
// block's block_id to its element's action_id to the text typed, and the
// payload carries them as the view's state, as plain_text_input values.
// A block or action the modal does not have is an error: Slack sends state
// only for the inputs of the view.
func (s *Slack) ViewSubmission(viewID, userID, userName string, values map[string]map[string]string) (string, error) {
	s.mu.Lock()
	var found *SlackView
	for i := range s.ws.views {
		if s.ws.views[i].ID == viewID {
			found = &s.ws.views[i]
		}
	}
	var view map[string]any
	if found != nil {
		_ = json.Unmarshal(found.View, &view) // views.open refused anything that did not decode
	}
	s.mu.Unlock()
	if found == nil {
		return "", fmt.Errorf("no view %s was opened", viewID)
	}
	state, err := modalState(view, values)
	if err != nil {
		return "", fmt.Errorf("submit view %s: %w", viewID, err)
	}
	view["id"], view["team_id"], view["app_id"], view["bot_id"] = viewID, SlackTeamID, "A0TOCSIN", SlackBotID
	view["state"], view["hash"] = map[string]any{"values": state}, viewID+".hash"
	p := map[string]any{
		"type": "view_submission", "team": map[string]string{"id": SlackTeamID, "domain": SlackTeamName},
		"user":       map[string]string{"id": userID, "username": userName, "name": userName, "team_id": SlackTeamID},
		"api_app_id": "A0TOCSIN", "token": "sim-verification-token", "trigger_id": NewTriggerID(),
		"view": view, "response_urls": []any{},
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return url.Values{"payload": {string(raw)}}.Encode(), nil
}

// modalState builds state.values from what was typed, checking each block
// and action against the modal's input blocks.
func modalState(view map[string]any, values map[string]map[string]string) (map[string]any, error) {
	inputs := map[string]string{} // block_id -> its element's action_id
	blocks, _ := view["blocks"].([]any)
	for _, b := range blocks {
		blk, _ := b.(map[string]any)
		el, _ := blk["element"].(map[string]any)
		if blk["type"] == "input" && el != nil {
			id, _ := blk["block_id"].(string)
			inputs[id], _ = el["action_id"].(string)
		}
	}
	state := map[string]any{}
	for blockID, actions := range values {
		for actionID, text := range actions {
			if inputs[blockID] != actionID || actionID == "" {
				return nil, fmt.Errorf("the modal has no input %s/%s", blockID, actionID)
			}
			state[blockID] = map[string]any{actionID: map[string]any{"type": "plain_text_input", "value": text}}
		}
	}
	return state, nil
}
