package app

import (
	"io/fs"
	"log/slog"
	"os"
)

// warnReadable warns when a file that holds secrets or incident history can
// be read by the file's group or by others: the store holds every timeline,
// and the config file may hold the Slack and API tokens.
func warnReadable(log *slog.Logger, cfg Config) {
	check := func(path, what, variable string) {
		info, err := os.Stat(path)
		if err != nil {
			return
		}
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			log.Warn(what+" can be read by other users; run: chmod 600 "+path,
				"variable", variable, "path", path, "mode", fs.FileMode(mode).String())
		}
	}
	if !isURL(cfg.DB) {
		check(cfg.DB, "the store file", "TOCSIN_DB")
	}
	if cfg.ConfigFile != "" && cfg.FileSecrets {
		check(cfg.ConfigFile, "the config file holds secrets and", "TOCSIN_CONFIG")
	}
}
