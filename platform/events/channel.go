package events

import (
	"crypto/sha256"
	"encoding/hex"
)

// channelBase is the NOTIFY channel of a deployment in the public schema.
const channelBase = "omnara_events"

// maxIdentifier is PostgreSQL's identifier limit (NAMEDATALEN-1 bytes);
// pg_notify rejects longer channel names instead of truncating them.
const maxIdentifier = 63

// channelName derives the channel from the schema, so that test schemas or
// two deployments sharing one database do not hear each other.
func channelName(schema string) string {
	if schema == "public" {
		return channelBase
	}
	name := channelBase + "_" + schema
	if len(name) <= maxIdentifier {
		return name
	}
	// Too long: hash instead of cutting, which could split a UTF-8 sequence
	// or make two long schema names collide.
	sum := sha256.Sum256([]byte(schema))
	return channelBase + "_" + hex.EncodeToString(sum[:16])
}
