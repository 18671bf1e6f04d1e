// Package channel delivers one notification message to one channel: Web
// Push, ntfy, email, a generic signed webhook, Slack or Discord. It knows
// nothing of outboxes or retries; it says whether an error is worth a retry
// (IsPermanent) and whether the channel is gone for good (IsGone).
//
// # Verifying the generic webhook
//
// Each webhook POST carries the JSON message and these headers:
//
//	X-Omnara-Event:     question, step, end or test
//	X-Omnara-Delivery:  the notification id; it stays the same across retries
//	X-Omnara-Timestamp: unix seconds when this attempt was signed
//	X-Omnara-Signature: sha256=<hex HMAC-SHA256>, only when the channel has a secret
//
// A receiver that knows the secret checks a request this way:
//
//  1. Read the raw body, before any JSON decoding.
//  2. Compute hex(HMAC-SHA256(key = secret, message = timestamp + "." + body)),
//     where timestamp is the X-Omnara-Timestamp header exactly as sent.
//  3. Compare it with the part of X-Omnara-Signature after "sha256=" in
//     constant time (hmac.Equal, crypto.timingSafeEqual, hmac.compare_digest).
//  4. Reject timestamps more than five minutes away from the receiver's
//     clock, so that a captured request cannot be replayed later.
//  5. De-duplicate on X-Omnara-Delivery: a retry after a lost answer sends
//     the same notification again.
//
// In Go:
//
//	mac := hmac.New(sha256.New, []byte(secret))
//	mac.Write([]byte(r.Header.Get("X-Omnara-Timestamp") + "." + string(body)))
//	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
//	ok := hmac.Equal([]byte(want), []byte(r.Header.Get("X-Omnara-Signature")))
package channel
