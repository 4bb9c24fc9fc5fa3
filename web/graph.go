package web

import (
	"net/http"
	"sync"

	"github.com/tocsin-dev/tocsin/incident"
)

// graphCacheSize bounds the alarm graphs kept in memory: each costs a
// CloudWatch call to draw, and an incident's graph only changes when a new
// alarm joins it.
const graphCacheSize = 64

// graphCache keeps recent graphs by incident and its newest event.
type graphCache struct {
	mu   sync.Mutex
	pngs map[graphKey][]byte
	keys []graphKey // oldest first
}

type graphKey struct {
	id     incident.ID
	events int
}

func (c *graphCache) get(k graphKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	png, ok := c.pngs[k]
	return png, ok
}

func (c *graphCache) put(k graphKey, png []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pngs == nil {
		c.pngs = map[graphKey][]byte{}
	}
	if _, ok := c.pngs[k]; !ok {
		c.keys = append(c.keys, k)
	}
	c.pngs[k] = png
	for len(c.keys) > graphCacheSize {
		delete(c.pngs, c.keys[0])
		c.keys = c.keys[1:]
	}
}

// graphImage serves an incident's alarm graph, the PNG the bot posts to
// the channel, for the incident page and the review.
func graphImage(cfg Config) http.HandlerFunc {
	cache := &graphCache{}
	return func(w http.ResponseWriter, r *http.Request) {
		inc, _, status, msg := loadTimeline(cfg, r)
		if status != 0 {
			http.Error(w, msg, status)
			return
		}
		key := graphKey{inc.ID, inc.Events}
		png, ok := cache.get(key)
		if !ok {
			_, img, err := cfg.Grapher.Graph(r.Context(), inc)
			if err != nil {
				cfg.Logger.Warn("draw alarm graph", "id", inc.ID, "err", err)
				http.Error(w, "there is no alarm graph for "+inc.ID.String(), http.StatusNotFound)
				return
			}
			png = img
			cache.put(key, png)
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}
}
