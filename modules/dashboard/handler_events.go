package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/platform/events"
	"github.com/omnara-go/omnara/platform/web"
)

const (
	keepAlive      = 20 * time.Second
	streamLifetime = 30 * time.Minute // then the browser reconnects on its own
	writeTimeout   = 10 * time.Second
	replayLimit    = 200
	homeThrottle   = 250 * time.Millisecond
)

// stream is one open live connection.
type stream struct {
	m        *Module
	c        echo.Context
	rc       *http.ResponseController
	userID   string
	instance string // "" on the overview
	lastSeq  int64
	answer   string // key of the answer form the page shows
}

// events streams live updates over Server-Sent Events. On an instance page
// each new message arrives rendered, with its sequence number as the event
// id, so a reconnect's Last-Event-ID replays what was missed; state changes
// arrive as "instance" events. The overview receives "changed" and fetches
// its list again. The stream ends with the session.
func (m *Module) events(c echo.Context) error {
	ctx := c.Request().Context()
	u, ls := user(ctx)
	st := &stream{m: m, c: c, rc: http.NewResponseController(c.Response().Writer), userID: u.ID}
	filter := events.Filter{UserID: u.ID}
	if id := c.QueryParam("instance"); id != "" {
		tl, err := m.deps.Agents.Timeline(ctx, u.ID, id, 0, 1)
		if err := instanceErr(err); err != nil {
			return err
		}
		st.instance, filter.InstanceID = tl.ID, tl.ID
		if len(tl.Messages) > 0 {
			st.lastSeq = tl.Messages[0].Seq
		}
	}
	// The page names the newest message it rendered (after=); a reconnect
	// names the last event it got (Last-Event-ID), which is newer.
	for _, v := range []struct{ value, name string }{
		{c.QueryParam("after"), "The after parameter"}, {c.Request().Header.Get("Last-Event-ID"), "Last-Event-ID"},
	} {
		if v.value == "" {
			continue
		}
		n, err := strconv.ParseInt(v.value, 10, 64)
		if err != nil || n < 0 {
			return web.BadRequest(v.name + " must be a message number.")
		}
		st.lastSeq = n
	}
	if !m.streams.acquire(u.ID) {
		return web.NewError(http.StatusTooManyRequests, "Too many live pages are open for this account. Close some tabs and reload.")
	}
	defer m.streams.release(u.ID)
	sub := m.deps.Broker.Subscribe(filter)
	defer sub.Close()

	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("X-Accel-Buffering", "no") // reverse proxies must not hold events back
	c.Response().WriteHeader(http.StatusOK)
	if err := st.write("", "", nil, []byte("retry: 3000\n\n")); err != nil {
		return nil
	}
	// Subscribed first, then caught up: nothing written while the page
	// loaded or the stream was away falls between the two.
	if err := st.catchUp(); err != nil {
		return nil
	}

	ping := time.NewTicker(keepAlive)
	defer ping.Stop()
	life := time.NewTimer(min(streamLifetime, time.Until(ls.ExpiresAt)))
	defer life.Stop()
	var throttle <-chan time.Time
	pendingHome := false
	dropped := sub.Dropped()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.deps.Stopping:
			return nil
		case <-life.C:
			return nil
		case <-ping.C:
			if st.write("", "", nil, []byte(": ping\n\n")) != nil {
				return nil
			}
		case <-throttle:
			throttle = nil
			if pendingHome {
				pendingHome = false
				if st.write("changed", "", []byte("{}"), nil) != nil {
					return nil
				}
				throttle = time.After(homeThrottle)
			}
		case ev, ok := <-sub.C():
			if !ok {
				return nil
			}
			if ev.Kind == accounts.EventSessionsEnded {
				valid, err := m.deps.Accounts.SessionValid(ctx, u.ID, ls.ID)
				if err == nil && !valid {
					_ = st.write("signedout", "", []byte("{}"), nil)
					return nil
				}
				continue
			}
			if ev.Kind == agents.EventHeartbeat || ev.Kind == agents.EventNotified {
				continue // nothing on the page changes
			}
			if st.instance == "" {
				if throttle == nil {
					if st.write("changed", "", []byte("{}"), nil) != nil {
						return nil
					}
					throttle = time.After(homeThrottle)
				} else {
					pendingHome = true
				}
				continue
			}
			gap := ev.Kind == events.KindResync || sub.Dropped() != dropped
			dropped = sub.Dropped()
			if err := st.instanceEvent(ev, gap); err != nil {
				return nil
			}
		}
	}
}

// catchUp sends what the page missed since it was rendered or since its
// last event.
func (st *stream) catchUp() error {
	if st.instance == "" {
		return st.write("changed", "", []byte("{}"), nil)
	}
	if err := st.replay(); err != nil {
		return err
	}
	return st.sendInstance()
}

// instanceEvent updates an instance page after ev.
func (st *stream) instanceEvent(ev events.Event, gap bool) error {
	switch {
	case ev.Kind == agents.EventInstanceDeleted:
		_ = st.write("deleted", "", []byte("{}"), nil)
		return errors.New("instance deleted")
	case gap:
		if err := st.replay(); err != nil {
			return err
		}
		return st.sendInstance()
	case ev.Kind == agents.EventMessageCreated && ev.MessageID != "":
		msg, err := st.sendMessage(ev.MessageID)
		if err != nil {
			return err
		}
		// A step changes nothing else on the page; a question or a reply
		// changes the status and the answer form.
		if msg != nil && msg.SenderType == agents.SenderAgent && !msg.RequiresUserInput {
			return nil
		}
		return st.sendInstance()
	default:
		return st.sendInstance()
	}
}

// sendMessage sends one message, rendered once for every page showing it.
func (st *stream) sendMessage(messageID string) (*agents.Message, error) {
	data, meta, err := st.m.cache.get(st.userID+"/"+messageID, func() ([]byte, any, error) {
		// Other tabs wait on this result: one tab closing must not fail it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(st.c.Request().Context()), writeTimeout)
		defer cancel()
		msg, err := st.m.deps.Agents.Message(ctx, st.userID, messageID)
		if err != nil {
			return nil, nil, err
		}
		data, err := st.m.messageJSON(*msg, st.loc())
		return data, &agents.Message{Seq: msg.Seq, SenderType: msg.SenderType, RequiresUserInput: msg.RequiresUserInput}, err
	})
	if errors.Is(err, agents.ErrMessageNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	msg := meta.(*agents.Message)
	st.lastSeq = max(st.lastSeq, msg.Seq)
	return msg, st.write("message", strconv.FormatInt(msg.Seq, 10), data, nil)
}

// messageJSON is a message event's payload.
func (m *Module) messageJSON(msg agents.Message, loc *time.Location) ([]byte, error) {
	html, err := m.pages.Fragment("instance", "message", m.messageOf(msg, loc))
	if err != nil {
		return nil, err
	}
	// step tells the page to count it in the header without a refresh.
	step := msg.SenderType == agents.SenderAgent && !msg.RequiresUserInput
	return json.Marshal(map[string]any{"seq": msg.Seq, "html": string(html), "step": step})
}

// replay sends the instance's messages after the last one sent.
func (st *stream) replay() error {
	ms, err := st.m.deps.Agents.MessagesAfter(st.c.Request().Context(), st.userID, st.instance, st.lastSeq, replayLimit)
	if err != nil {
		return err
	}
	for _, msg := range ms {
		data, err := st.m.messageJSON(msg, st.loc())
		if err != nil {
			return err
		}
		if err := st.write("message", strconv.FormatInt(msg.Seq, 10), data, nil); err != nil {
			return err
		}
		st.lastSeq = msg.Seq
	}
	return nil
}

type instanceUpdate struct {
	Title     string `json:"title"`
	Head      string `json:"head"`
	AnswerKey string `json:"answer_key"`
	Answer    string `json:"answer"`
	Diff      string `json:"diff"`
}

// sendInstance sends the parts of the page that follow the instance's
// state: head, answer form (only when the open question changed, so a
// half-typed answer survives) and diff.
func (st *stream) sendInstance() error {
	c := st.c
	u, _ := user(c.Request().Context())
	inst, err := st.m.deps.Agents.OwnedInstance(c.Request().Context(), st.userID, st.instance)
	if errors.Is(err, agents.ErrInstanceNotFound) {
		_ = st.write("deleted", "", []byte("{}"), nil)
		return err
	}
	if err != nil {
		return err
	}
	p := &instancePage{page: page{User: u, CSRF: web.CSRFToken(c)}}
	if p.CSRF == "" {
		p.CSRF = csrfCookie(c)
	}
	if err := st.m.describe(c, p, inst); err != nil {
		return err
	}
	up := instanceUpdate{Title: p.Title, AnswerKey: p.AnswerKey}
	for _, part := range []struct {
		name string
		dst  *string
	}{{"head", &up.Head}, {"diff", &up.Diff}, {"answer", &up.Answer}} {
		html, err := st.m.pages.Fragment("instance", part.name, p)
		if err != nil {
			return err
		}
		*part.dst = string(html)
	}
	st.answer = p.AnswerKey
	data, _ := json.Marshal(up)
	return st.write("instance", "", data, nil)
}

func (st *stream) loc() *time.Location {
	u, _ := user(st.c.Request().Context())
	return u.Location()
}

// write sends one event (or raw bytes) with a deadline, and flushes.
func (st *stream) write(event, id string, data, raw []byte) error {
	var b bytes.Buffer
	if raw != nil {
		b.Write(raw)
	} else {
		if id != "" {
			fmt.Fprintf(&b, "id: %s\n", id)
		}
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", event, bytes.ReplaceAll(data, []byte("\n"), []byte("\ndata: ")))
	}
	_ = st.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := st.c.Response().Writer.Write(b.Bytes()); err != nil {
		return err
	}
	return st.rc.Flush()
}

// csrfCookie reads the CSRF token from its cookie: the events route has no
// CSRF middleware (it only reads), but the answer form it renders must
// carry the token.
func csrfCookie(c echo.Context) string {
	if ck, err := c.Cookie("omnara_csrf"); err == nil {
		return ck.Value
	}
	return ""
}
