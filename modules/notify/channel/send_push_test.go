package channel

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// subscription is what a browser's PushManager would hold: the private
// half stays with the "browser" so the test can decrypt.
type subscription struct {
	priv   *ecdh.PrivateKey
	auth   []byte
	target Target
}

func newSubscription(t *testing.T, endpoint string) subscription {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	b64 := base64.RawURLEncoding.EncodeToString
	return subscription{priv: priv, auth: auth, target: Target{
		Kind: WebPush, URL: endpoint, P256dh: b64(priv.PublicKey().Bytes()), Auth: b64(auth),
	}}
}

// decrypt undoes RFC 8291 (Message Encryption for Web Push) with the
// aes128gcm content coding of RFC 8188, as a browser does.
func (s subscription) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	// Header: salt(16) | record size(4) | key id length(1) | key id (the sender's public key).
	if len(body) < 21 {
		t.Fatalf("body of %d bytes is too short", len(body))
	}
	salt, rs, idLen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	asPublic := body[21 : 21+idLen]
	ciphertext := body[21+idLen:]
	if rs < 18 || len(ciphertext) > int(rs) {
		t.Fatalf("record size %d, ciphertext %d bytes: want one record", rs, len(ciphertext))
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		t.Fatalf("key id is not a P-256 public key: %v", err)
	}
	shared, err := s.priv.ECDH(as)
	if err != nil {
		t.Fatal(err)
	}
	keyInfo := "WebPush: info\x00" + string(s.priv.PublicKey().Bytes()) + string(asPublic)
	ikm := must(hkdf.Key(sha256.New, shared, s.auth, keyInfo, 32))
	cek := must(hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16))
	nonce := must(hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12))
	block, err := aes.NewCipher(cek)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		t.Fatalf("cannot decrypt the push message: %v", err)
	}
	// Padding: the last record ends with 0x02 followed by zeros.
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		t.Fatal("no last-record delimiter in the plaintext")
	}
	return plain[:end]
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// checkVAPID verifies the Authorization header: "vapid t=<JWT>, k=<key>",
// the JWT signed with ES256 by the server's key, for the endpoint's origin.
func checkVAPID(t *testing.T, header, publicKey, endpoint, subscriber string) {
	t.Helper()
	rest, ok := strings.CutPrefix(header, "vapid t=")
	if !ok {
		t.Fatalf("Authorization = %q, want vapid t=…, k=…", header)
	}
	jwt, k, ok := strings.Cut(rest, ", k=")
	if !ok || k != publicKey {
		t.Fatalf("Authorization key = %q, want the VAPID public key %q", k, publicKey)
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	var head struct{ Alg string }
	var claims struct {
		Aud string
		Sub string
		Exp int64
	}
	_ = json.Unmarshal(must(base64.RawURLEncoding.DecodeString(parts[0])), &head)
	_ = json.Unmarshal(must(base64.RawURLEncoding.DecodeString(parts[1])), &claims)
	if head.Alg != "ES256" {
		t.Errorf("JWT alg = %q, want ES256", head.Alg)
	}
	u, _ := url.Parse(endpoint)
	if claims.Aud != u.Scheme+"://"+u.Host {
		t.Errorf("JWT aud = %q, want the endpoint's origin", claims.Aud)
	}
	if claims.Sub != subscriber {
		t.Errorf("JWT sub = %q, want %q", claims.Sub, subscriber)
	}
	if exp := time.Unix(claims.Exp, 0); exp.Before(time.Now()) || exp.After(time.Now().Add(24*time.Hour)) {
		t.Errorf("JWT exp = %v, want within a day", exp)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), must(base64.RawURLEncoding.DecodeString(publicKey)))
	if err != nil {
		t.Fatal(err)
	}
	sig := must(base64.RawURLEncoding.DecodeString(parts[2]))
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], r, s) {
		t.Error("the VAPID JWT signature does not verify with the public key")
	}
}

func testVAPID(t *testing.T) VAPID {
	t.Helper()
	pub, priv, err := GenerateVAPID()
	if err != nil {
		t.Fatal(err)
	}
	return VAPID{PublicKey: pub, PrivateKey: priv, Subscriber: "mailto:ops@omnara.example"}
}

func TestPushQuestion(t *testing.T) {
	r := newTLSReceiver(t, http.StatusCreated, "")
	vapid := testVAPID(t)
	sub := newSubscription(t, r.URL+"/push/v2/abcdef")
	if err := New(r.Client(), SMTP{}, vapid).Send(context.Background(), sub.target, question()); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Method != http.MethodPost || req.Path != "/push/v2/abcdef" {
		t.Errorf("request = %s %s, want POST /push/v2/abcdef", req.Method, req.Path)
	}
	assertHeader(t, req.Header, "TTL", "86400")
	assertHeader(t, req.Header, "Urgency", "high")
	assertHeader(t, req.Header, "Content-Encoding", "aes128gcm")
	checkVAPID(t, req.Header.Get("Authorization"), vapid.PublicKey, sub.target.URL, "mailto:ops@omnara.example")
	assertJSON(t, sub.decrypt(t, req.Body), `{
		"title": "claude-code asks",
		"body": "Deploy <b>main</b> & staging?",
		"url": "https://omnara.example/instances/7",
		"answer_url": "https://omnara.example/answer/one-use-token",
		"options": ["Yes", "No"],
		"id": "n-42",
		"kind": "question"
	}`)
}

func TestPushStep(t *testing.T) {
	r := newTLSReceiver(t, http.StatusCreated, "")
	vapid := testVAPID(t)
	vapid.Subscriber = "https://omnara.example/contact"
	sub := newSubscription(t, r.URL+"/wpush/1")
	if err := New(r.Client(), SMTP{}, vapid).Send(context.Background(), sub.target, step()); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	assertHeader(t, req.Header, "TTL", "3600")
	assertHeader(t, req.Header, "Urgency", "normal")
	checkVAPID(t, req.Header.Get("Authorization"), vapid.PublicKey, sub.target.URL, "https://omnara.example/contact")
	assertJSON(t, sub.decrypt(t, req.Body), `{
		"title": "claude-code: step", "body": "Ran the tests.",
		"url": "https://omnara.example/instances/7", "answer_url": "",
		"options": [], "id": "n-43", "kind": "step"
	}`)
}

func TestPushCutsALongBody(t *testing.T) {
	r := newTLSReceiver(t, http.StatusCreated, "")
	sub := newSubscription(t, r.URL+"/p")
	m := question()
	m.Body = strings.Repeat("\"ö<", 3000) // escaping makes it longer still
	if err := New(r.Client(), SMTP{}, testVAPID(t)).Send(context.Background(), sub.target, m); err != nil {
		t.Fatal(err)
	}
	plain := sub.decrypt(t, r.only(t).Body)
	if len(plain) > pushMaxPayload || len(plain) < pushMaxPayload-8 {
		t.Errorf("payload is %d bytes, want just under %d", len(plain), pushMaxPayload)
	}
	var p pushPayload
	decode(t, plain, &p)
	if !strings.HasSuffix(p.Body, ellipsis) || p.AnswerURL != m.AnswerURL || len(p.Options) != 2 {
		t.Errorf("body should be cut and the rest kept: %+v", p)
	}
}

func TestPushExpiredSubscriptionIsGone(t *testing.T) {
	for _, status := range []int{http.StatusGone, http.StatusNotFound} {
		r := newTLSReceiver(t, status, "push subscription has unsubscribed or expired.")
		sub := newSubscription(t, r.URL+"/p")
		err := New(r.Client(), SMTP{}, testVAPID(t)).Send(context.Background(), sub.target, step())
		if !IsGone(err) || !IsPermanent(err) {
			t.Errorf("%d: IsGone=%v IsPermanent=%v, want both (err: %v)", status, IsGone(err), IsPermanent(err), err)
		}
	}
}

func TestPushOtherFailures(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusBadRequest, true},
		{http.StatusForbidden, true},
		{http.StatusRequestEntityTooLarge, true},
		{http.StatusTooManyRequests, false},
		{http.StatusInternalServerError, false},
	} {
		r := newTLSReceiver(t, tc.status, "")
		sub := newSubscription(t, r.URL+"/p")
		err := New(r.Client(), SMTP{}, testVAPID(t)).Send(context.Background(), sub.target, step())
		if err == nil || IsPermanent(err) != tc.permanent || IsGone(err) {
			t.Errorf("%d: err=%v permanent=%v gone=%v, want permanent=%v, not gone", tc.status, err, IsPermanent(err), IsGone(err), tc.permanent)
		}
	}
}

func TestPushNotConfigured(t *testing.T) {
	sub := newSubscription(t, "https://push.example/p")
	err := New(nil, SMTP{}, VAPID{}).Send(context.Background(), sub.target, step())
	if !IsPermanent(err) || err.Error() != "Web push is not configured on this server." {
		t.Errorf("err = %v", err)
	}
	vapid := testVAPID(t)
	vapid.PrivateKey = "!!not base64!!"
	err = New(nil, SMTP{}, vapid).Send(context.Background(), sub.target, step())
	if !IsPermanent(err) || strings.Contains(err.Error(), vapid.PrivateKey) {
		t.Errorf("bad VAPID key: err = %v, want a permanent error without the key", err)
	}
}

func TestGenerateVAPID(t *testing.T) {
	pub, priv, err := GenerateVAPID()
	if err != nil {
		t.Fatal(err)
	}
	p := must(base64.RawURLEncoding.DecodeString(pub))
	k := must(base64.RawURLEncoding.DecodeString(priv))
	if len(p) != 65 || p[0] != 4 || len(k) != 32 {
		t.Fatalf("public %d bytes, private %d bytes: want 65 (uncompressed point) and 32", len(p), len(k))
	}
	key, err := ecdh.P256().NewPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if string(key.PublicKey().Bytes()) != string(p) {
		t.Error("the public key is not the private key's: the pair is swapped or mismatched")
	}
}
