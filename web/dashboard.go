package web

import "net/http"

// dashboard registers the HTML dashboard. Until the dashboard lands, / says
// where the API is, so an operator opening the address sees something true.
func dashboard(mux *http.ServeMux, cfg Config) {
	for path, h := range cfg.Extra {
		mux.Handle(path, h)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("tocsin is running. The JSON API is under /api/ (bearer TOCSIN_API_TOKEN).\n"))
	})
}
