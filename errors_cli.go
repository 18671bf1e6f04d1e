package main

import "fmt"

// usageErr marks a mistake on the command line (exit code 2, usage shown).
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error {
	return &usageErr{msg: fmt.Sprintf(format, args...)}
}
