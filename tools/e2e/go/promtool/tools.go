//go:build tools

// Keeps promtool's main package in this module's build list for `go mod tidy`.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
