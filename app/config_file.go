package app

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Settings returns getenv with the TOCSIN_CONFIG file beneath it: what
// every command reads its settings through, so that `tocsin check`, the API
// commands and `serve` see the same values. The environment wins; defaults
// are LoadConfig's business.
func Settings(getenv func(string) string) (func(string) string, error) {
	file, err := readConfigFile(getenv("TOCSIN_CONFIG"))
	if err != nil {
		return nil, err
	}
	return layer(getenv, file), nil
}

func layer(getenv func(string) string, file map[string]string) func(string) string {
	return func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return file[name]
	}
}

func readConfigFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("TOCSIN_CONFIG: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("TOCSIN_CONFIG %s: %w", path, err)
	}
	out := map[string]string{}
	for k, v := range raw {
		if !known(k) {
			return nil, fmt.Errorf("TOCSIN_CONFIG %s: unknown setting %q", path, k)
		}
		s, err := fileValue(k, v)
		if err != nil {
			return nil, fmt.Errorf("TOCSIN_CONFIG %s: %w", path, err)
		}
		out[k] = s
	}
	return out, nil
}

// fileValue is a config file's value as the string the environment would
// hold. A key with no value (YAML null), a map, or a list where one value
// is expected is refused: "KEY:" with nothing after it is a common mistake,
// and must never become a secret such as "<nil>".
func fileValue(name string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", fmt.Errorf("%s has no value (give it one, or remove the line)", name)
	case string, bool, int, int64, uint64, float64:
		return fmt.Sprint(v), nil
	case []any:
		if !listSettings[name] {
			return "", fmt.Errorf("%s is a list; it takes one value", name)
		}
		parts := make([]string, len(v))
		for i, x := range v {
			s, err := fileValue(name, x)
			if err != nil || strings.Contains(s, ",") {
				return "", fmt.Errorf("%s: item %d is not a single value", name, i+1)
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("%s is a %T; it takes one value", name, v)
}

// placeholder reports whether a secret's value is a stand-in someone forgot
// to replace ("<nil>", "<your token>", "changeme").
func placeholder(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "<nil>", "nil", "null", "none", "~", "changeme", "change-me", "todo", "xxx", "secret", "token":
		return true
	}
	return strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">")
}
