//go:build tools

// Keeps the etcd server's main package in this module's build list for `go mod tidy`.
package tools

import _ "go.etcd.io/etcd/server/v3"
