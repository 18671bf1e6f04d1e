package notify

import (
	"sync"
	"time"
)

// cacheTTL bounds how long another instance's channel change goes unseen.
const cacheTTL = 10 * time.Second

// userCache keeps each person's channels and quiet hours, so the question
// "does anyone want this?" costs no query on the write path.
type userCache struct {
	mu    sync.Mutex
	users map[string]*userState
	max   int
}

type userState struct {
	channels []Channel // enabled ones
	prefs    Prefs
	loaded   time.Time
}

func newUserCache(max int) *userCache {
	return &userCache{users: map[string]*userState{}, max: max}
}

// get returns the user's state if it is fresh.
func (c *userCache) get(userID string, now time.Time) (*userState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.users[userID]
	if !ok || now.Sub(st.loaded) > cacheTTL {
		return nil, false
	}
	return st, true
}

func (c *userCache) put(userID string, st *userState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.users) >= c.max {
		// Crude but bounded: start over rather than track recency.
		c.users = map[string]*userState{}
	}
	c.users[userID] = st
}

func (c *userCache) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.users, userID)
}
