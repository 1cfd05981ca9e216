//go:build tools

// Keeps kwok's main package in this module's build list for `go mod tidy`.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
