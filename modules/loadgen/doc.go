// Package loadgen is the load generator behind "omnara bench": scenarios
// that drive a running server over HTTP only (the agent REST API, MCP and
// the dashboard's live streams) and measure what a person or an agent would
// feel. It imports no other module of this repository, so it measures the
// server from the outside, as a separate process would.
//
// Every scenario runs under a time bound, prints a progress line about
// once a second, and returns a result that prints as a table or as JSON.
// Failed requests are counted in the result, not returned as errors; a
// scenario returns an error only when it cannot run at all (unreachable
// server, refused key, refused live stream).
package loadgen
