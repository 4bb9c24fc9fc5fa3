package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// slackUpload tracks a file through the three steps of files.uploadV2.
type slackUpload struct {
	file     *SlackFile
	length   int
	received bool
	shared   bool
}

// slackFilesGetUploadURL is step one: reserve a file ID and an upload URL here.
func slackFilesGetUploadURL(s *Slack, q *slackRequest) slackReply {
	length, err := strconv.Atoi(q.params["length"])
	if q.params["filename"] == "" || err != nil || length <= 0 {
		return slackFail("invalid_arguments")
	}
	f := &SlackFile{ID: s.ws.nextID("F"), Name: q.params["filename"]}
	s.ws.uploads[f.ID] = &slackUpload{file: f, length: length}
	s.ws.files = append(s.ws.files, f)
	uploadURL := strings.TrimSuffix(s.URL(), "/") + slackUploadPath + f.ID
	return slackOK(map[string]any{"upload_url": uploadURL, "file_id": f.ID})
}

// slackFilesUpload is step two: the bytes, as multipart (field "file") or raw.
// Slack answers it in plain text. The call is recorded with file_id and length.
func slackFilesUpload(s *Slack, q *slackRequest) slackReply {
	up, ok := s.ws.uploads[q.pathID]
	if !ok || up.shared {
		return slackReply{status: http.StatusNotFound, text: "not found"}
	}
	data, err := slackUploadedBytes(q)
	if err != nil {
		return slackReply{status: http.StatusBadRequest, text: "bad request"}
	}
	up.file.Data, up.received = data, true
	q.params["file_id"], q.params["length"] = q.pathID, strconv.Itoa(len(data))
	return slackReply{text: "OK - " + strconv.Itoa(len(data))}
}

func slackUploadedBytes(q *slackRequest) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(q.contentType)
	if err != nil || mt != "multipart/form-data" {
		return bytes.Clone(q.body), nil
	}
	mr := multipart.NewReader(bytes.NewReader(q.body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			return io.ReadAll(part)
		}
	}
}

// slackFilesComplete is step three: name the files and share them in a channel with
// one message carrying the optional initial_comment.
func slackFilesComplete(s *Slack, q *slackRequest) slackReply {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(q.params["files"]), &summaries); err != nil || len(summaries) == 0 {
		return slackFail("invalid_arguments")
	}
	ups := make([]*slackUpload, 0, len(summaries))
	for _, sum := range summaries {
		up, ok := s.ws.uploads[sum.ID]
		if !ok || !up.received || up.shared {
			return slackFail("file_not_found")
		}
		ups = append(ups, up)
	}
	channel := q.params["channel_id"]
	if channel == "" {
		channel, _, _ = strings.Cut(q.params["channels"], ",")
	}
	if errCode := s.slackShareFiles(channel, q.params, ups); errCode != "" {
		return slackFail(errCode)
	}
	files := make([]map[string]any, 0, len(ups))
	for i, up := range ups {
		up.file.Title = slackOr(summaries[i].Title, up.file.Name)
		files = append(files, map[string]any{
			"id": up.file.ID, "name": up.file.Name, "title": up.file.Title, "size": len(up.file.Data),
		})
	}
	return slackOK(map[string]any{"files": files})
}

// slackShareFiles posts the message that shares uploaded files; with no channel the
// files stay private to the bot, as in Slack.
func (s *Slack) slackShareFiles(channel string, params map[string]string, ups []*slackUpload) string {
	for _, up := range ups {
		up.shared = true
	}
	if channel == "" {
		return ""
	}
	c, errCode := s.ws.writable(channel)
	if errCode != "" {
		for _, up := range ups {
			up.shared = false
		}
		return errCode
	}
	m := &SlackMessage{
		TS: s.ws.nextTS(s.slackNow()), ThreadTS: params["thread_ts"], User: SlackBotUserID,
		Text: params["initial_comment"],
	}
	if params["blocks"] != "" && json.Valid([]byte(params["blocks"])) {
		m.Blocks = json.RawMessage(params["blocks"])
	}
	for _, up := range ups {
		up.file.Channel, up.file.ThreadTS = c.ID, m.ThreadTS
		m.Files = append(m.Files, up.file.ID)
	}
	c.messages = append(c.messages, m)
	return ""
}
