package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
)

// randomToken returns 32 random bytes, URL-safe: session cookies and setup
// links.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the database keeps of session tokens and API keys: a
// lookup needs an exact match, and the token itself never rests on disk.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// passwordParams follow OWASP's argon2id recommendation (19 MiB, two
// passes): strong, yet light enough for a small self-hosted machine.
var passwordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func hashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, passwordParams)
}

func checkPassword(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// dummyHash is compared against when the email is unknown, so a wrong email
// takes as long as a wrong password and does not reveal who has an account.
// Made on first use: hashing at start would cost every command 19 MiB.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("omnara-timing-equaliser")
	return h
})
