package loadgen

import (
	"bufio"
	"io"
	"strings"
)

// readEvents reads a Server-Sent Events stream and calls fn with each
// event's name and data (lines joined by "\n") until the stream ends. Comments
// and events without a name are skipped.
func readEvents(r io.Reader, fn func(event, data string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 16<<10), 4<<20)
	var event string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event != "" {
				fn(event, strings.Join(data, "\n"))
			}
			event, data = "", data[:0]
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				event = value
			case "data":
				data = append(data, value)
			}
		}
	}
	return sc.Err()
}
