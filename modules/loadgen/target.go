package loadgen

import (
	"errors"
	"io"
	"strings"
	"time"
)

// Target is what every scenario is given: the server, the API key, the
// run's time bound and where progress lines go.
type Target struct {
	URL    string // server base URL, e.g. http://127.0.0.1:8080
	APIKey string // an agent API key ("omnara token create")
	// Duration bounds the run: at that point it stops and reports what it
	// measured, marked as cut short.
	Duration time.Duration
	Progress io.Writer // progress lines, about one a second; nil for none
}

func (t *Target) check() error {
	switch {
	case t.URL == "":
		return errors.New("no server URL")
	case t.APIKey == "":
		return errors.New("no API key")
	case t.Duration <= 0:
		return errors.New("the duration must be positive")
	}
	t.URL = strings.TrimRight(t.URL, "/")
	return nil
}
