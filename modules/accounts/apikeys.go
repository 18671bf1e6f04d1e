package accounts

import (
	"github.com/omnara-go/omnara/platform/db"

	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	settingSigningKey = "api_key_signing_key"
	settingSetupDone  = "setup_completed"

	// keyCacheTTL bounds how long a revoked key may still pass on another
	// instance that verified it just before; the revoking instance forgets
	// it at once.
	keyCacheTTL    = 3 * time.Second
	keyCacheMax    = 10000
	lastUsedPeriod = time.Minute
)

// keyClaims is what an API key carries: the user (sub) and the key id (jti).
type keyClaims struct {
	jwt.RegisteredClaims
}

// loadSigningKey reads the server's Ed25519 key, creating it on first start.
// Every instance on one database ends up with the same key.
func (s *Service) loadSigningKey(ctx context.Context) error {
	stored, err := db.SharedValue(ctx, s.repo.db, settingSigningKey, func() (string, error) {
		seed := make([]byte, ed25519.SeedSize)
		_, _ = rand.Read(seed)
		return base64.StdEncoding.EncodeToString(seed), nil
	})
	if err != nil {
		return fmt.Errorf("load API key signing key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(stored)
	if err != nil || len(raw) != ed25519.SeedSize {
		return errors.New("the stored API key signing key is corrupt")
	}
	s.signer = ed25519.NewKeyFromSeed(raw)
	return nil
}

// CreateAPIKey issues a new key for the user and returns it; only its hash
// is stored, so this is the one time anyone sees it.
func (s *Service) CreateAPIKey(ctx context.Context, userID, name string) (string, *APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, ErrKeyNameRequired
	}
	if len(name) > 200 {
		return "", nil, ErrDisplayNameTooLong
	}
	now := s.now()
	k := &APIKey{ID: newID(), UserID: userID, Name: name, CreatedAt: now}
	token, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, keyClaims{jwt.RegisteredClaims{
		Subject:  userID,
		ID:       k.ID,
		IssuedAt: jwt.NewNumericDate(now),
	}}).SignedString(s.signer)
	if err != nil {
		return "", nil, err
	}
	k.TokenHash = hashToken(token)
	if err := s.repo.createKey(ctx, k); err != nil {
		return "", nil, err
	}
	return token, k, nil
}

// APIKeys lists the user's keys, revoked ones included, oldest first.
func (s *Service) APIKeys(ctx context.Context, userID string) ([]APIKey, error) {
	return s.repo.keysOf(ctx, userID)
}

// RevokeAPIKey revokes one of the user's keys. An empty userID revokes any
// user's key: only the administrator's command line does that.
func (s *Service) RevokeAPIKey(ctx context.Context, userID, keyID string) (*APIKey, error) {
	if _, err := uuid.Parse(keyID); err != nil {
		return nil, ErrKeyNotFound
	}
	k, err := s.repo.revokeKey(ctx, userID, keyID, s.now())
	if err != nil {
		return nil, err
	}
	s.keys.forget(k.TokenHash)
	return k, nil
}

// VerifyAPIKey accepts a key this server signed that exists and is not
// revoked. A key verified moments ago is answered from memory: the exact
// same bytes passed every check then.
func (s *Service) VerifyAPIKey(ctx context.Context, token string) (Principal, error) {
	hash := hashToken(token)
	now := s.now()
	if p, ok := s.keys.get(hash, now); ok {
		return p, nil
	}
	// The signature first: it is cheap and needs no I/O, so forged keys
	// never reach the database.
	var claims keyClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		return s.signer.Public(), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}))
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return Principal{}, ErrInvalidKeySig
	case err != nil:
		return Principal{}, ErrInvalidKeyFormat
	case claims.Subject == "" || claims.ID == "":
		return Principal{}, ErrInvalidKeyFormat
	}

	k, err := s.repo.keyByHash(ctx, hash)
	if err != nil {
		return Principal{}, err
	}
	if k.RevokedAt != nil {
		return Principal{}, ErrKeyRevoked
	}
	if k.ID != claims.ID || k.UserID != claims.Subject {
		return Principal{}, ErrKeyUnknown
	}
	p := Principal{UserID: k.UserID, KeyID: k.ID}
	s.keys.put(hash, p, now)
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedPeriod {
		// Best effort: a failed bookkeeping write must not refuse the agent.
		if err := s.repo.touchKey(ctx, k.UserID, k.ID, now); err != nil {
			s.logger.Warn("could not record API key use", "key_id", k.ID, "err", err)
		}
	}
	return p, nil
}

// keyCache remembers verified keys briefly so each agent request does not
// cost a query.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]keyCacheEntry
}

type keyCacheEntry struct {
	p       Principal
	expires time.Time
}

func (c *keyCache) get(hash string, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.After(e.expires) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *keyCache) put(hash string, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= keyCacheMax {
		c.entries = map[string]keyCacheEntry{}
	}
	c.entries[hash] = keyCacheEntry{p: p, expires: now.Add(keyCacheTTL)}
}

func (c *keyCache) forget(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, hash)
}
