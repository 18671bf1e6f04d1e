package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receiver stands in for ntfy, a webhook or Slack: it records what arrives
// and can fail on purpose.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	failNext int // answer 500 to this many requests first
	arrived  chan received
}

type received struct {
	header http.Header
	body   []byte
	json   map[string]any
	at     time.Time
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{arrived: make(chan received, 10000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rec := received{header: req.Header.Clone(), body: body, at: time.Now()}
		_ = json.Unmarshal(body, &rec.json)
		r.mu.Lock()
		if r.failNext > 0 {
			r.failNext--
			r.mu.Unlock()
			http.Error(w, "receiver is down", http.StatusInternalServerError)
			return
		}
		r.got = append(r.got, rec)
		r.mu.Unlock()
		r.arrived <- rec
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

// next waits for the next accepted request.
func (r *receiver) next(t testing.TB) received {
	t.Helper()
	select {
	case rec := <-r.arrived:
		return rec
	case <-time.After(15 * time.Second):
		t.Fatal("no notification arrived within 15s")
		return received{}
	}
}

// none checks nothing arrives for d.
func (r *receiver) none(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case rec := <-r.arrived:
		t.Fatalf("unexpected notification: %s", rec.body)
	case <-time.After(d):
	}
}

// signatureOK checks a generic webhook's HMAC-SHA256 signature.
func signatureOK(rec received, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(rec.header.Get("X-Omnara-Timestamp") + "." + string(rec.body)))
	return hmac.Equal([]byte(rec.header.Get("X-Omnara-Signature")), []byte("sha256="+hex.EncodeToString(mac.Sum(nil))))
}
