package loadgen

import (
	"errors"
	"syscall"
)

// localLimitHint explains an error that comes from this machine's
// operating system refusing another connection, or "" for others.
func localLimitHint(err error) string {
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "the operating system refused to open more connections: raise the open-file limit (ulimit -n) of this process, or ask for fewer connections"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "the operating system has no free local port for another connection: ask for fewer connections or widen net.ipv4.ip_local_port_range"
	}
	return ""
}

// serverHint explains a connection the server refused or dropped.
func serverHint(err error) string {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return "the server refused or dropped the connection: it may be down, or out of file descriptors (raise its open-file limit, ulimit -n)"
	}
	return ""
}

// describe is an error's message with a hint when there is one.
func describe(err error) string {
	hint := localLimitHint(err)
	if hint == "" {
		hint = serverHint(err)
	}
	if hint != "" {
		return err.Error() + " (" + hint + ")"
	}
	return err.Error()
}
