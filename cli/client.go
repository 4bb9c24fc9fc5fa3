package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiClient calls a running tocsin's API: TOCSIN_URL (default derived from
// TOCSIN_ADDR) with TOCSIN_API_TOKEN.
type apiClient struct {
	base, token string
	http        *http.Client
}

func newAPIClient(getenv func(string) string) (*apiClient, error) {
	token := getenv("TOCSIN_API_TOKEN")
	if token == "" {
		return nil, errors.New("TOCSIN_API_TOKEN is not set: the API refuses requests without it")
	}
	base := getenv("TOCSIN_URL")
	if base == "" {
		base = localURL(getenv)
	}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("TOCSIN_URL %q: %w", base, err)
	}
	return &apiClient{base: strings.TrimSuffix(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// localURL is the base URL of the server on this host: TOCSIN_ADDR, with
// 127.0.0.1 for an address without a host.
func localURL(getenv func(string) string) string {
	addr := getenv("TOCSIN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	return "http://" + addr
}

// apiRun is a command that reads the running server's API.
func apiRun(run func(ctx context.Context, c *apiClient, e env) error) runFunc {
	return func(ctx context.Context, e env) error {
		c, err := newAPIClient(e.getenv)
		if err != nil {
			return err
		}
		return run(ctx, c, e)
	}
}

// show GETs path and either copies the raw JSON to w (asJSON) or decodes
// it into v; done reports whether the JSON was copied.
func (c *apiClient) show(ctx context.Context, path string, asJSON bool, w io.Writer, v any) (done bool, err error) {
	if asJSON {
		return true, c.copyTo(ctx, path, w)
	}
	return false, c.getJSON(ctx, path, v)
}

func (c *apiClient) get(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path)
}

// getJSON decodes the JSON answer of a GET into v.
func (c *apiClient) getJSON(ctx context.Context, path string, v any) error {
	b, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode the answer of %s: %w", path, err)
	}
	return nil
}

// copyTo writes the raw answer of a GET to w (the --json flags, and the
// review's Markdown).
func (c *apiClient) copyTo(ctx context.Context, path string, w io.Writer) error {
	b, err := c.get(ctx, path)
	w.Write(b)
	return err
}

func (c *apiClient) do(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach tocsin at %s (set TOCSIN_URL): %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}
