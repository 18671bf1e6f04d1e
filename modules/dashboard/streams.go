package dashboard

import "sync"

// streamLimit counts open live streams per user.
type streamLimit struct {
	mu    sync.Mutex
	max   int
	count map[string]int
}

func newStreamLimit(max int) *streamLimit {
	return &streamLimit{max: max, count: map[string]int{}}
}

func (l *streamLimit) acquire(userID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[userID] >= l.max {
		return false
	}
	l.count[userID]++
	return true
}

func (l *streamLimit) release(userID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[userID]--; l.count[userID] <= 0 {
		delete(l.count, userID)
	}
}

// fragmentCache shares one rendering of a message among every live page
// showing it: a thousand open tabs cost one query and one markdown pass.
// Keys include the owner, so a fragment never crosses users.
type fragmentCache struct {
	mu    sync.Mutex
	max   int
	order []string
	items map[string]*fragment
}

type fragment struct {
	once sync.Once
	data []byte
	meta any // what the producer wants to know besides the bytes
	err  error
}

func newFragmentCache(max int) *fragmentCache {
	return &fragmentCache{max: max, items: map[string]*fragment{}}
}

// get returns the fragment for key, computing it once.
func (c *fragmentCache) get(key string, compute func() ([]byte, any, error)) ([]byte, any, error) {
	c.mu.Lock()
	f, ok := c.items[key]
	if !ok {
		f = &fragment{}
		c.items[key] = f
		c.order = append(c.order, key)
		if len(c.order) > c.max {
			delete(c.items, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.mu.Unlock()
	f.once.Do(func() { f.data, f.meta, f.err = compute() })
	if f.err != nil {
		c.mu.Lock()
		if c.items[key] == f {
			delete(c.items, key)
		}
		c.mu.Unlock()
	}
	return f.data, f.meta, f.err
}
