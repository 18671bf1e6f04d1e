package notify

import (
	"testing"
	"time"
)

func TestTargetsFollowEventsAndOverrides(t *testing.T) {
	yes, no := true, false
	chans := []Channel{
		{ID: "mail", Kind: "email", Events: "questions,ends"},
		{ID: "push", Kind: "webpush", Events: "questions"},
		{ID: "hook", Kind: "webhook", Events: "steps"},
	}
	for _, tc := range []struct {
		name string
		n    Notice
		want string
	}{
		{"a question goes where questions are chosen", Notice{Kind: "question"}, "mail push"},
		{"a step only to step channels", Notice{Kind: "step"}, "hook"},
		{"send_email false keeps email quiet", Notice{Kind: "question", SendEmail: &no}, "push"},
		{"send_push true sends a step by push", Notice{Kind: "step", SendPush: &yes}, "push hook"},
		{"send_sms has no channel here", Notice{Kind: "end", SendSMS: &yes}, "mail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			for _, c := range targetsFor(chans, tc.n) {
				if got != "" {
					got += " "
				}
				got += c.ID
			}
			if got != tc.want {
				t.Errorf("targets %q, want %q", got, tc.want)
			}
		})
	}
}

func TestQuietHours(t *testing.T) {
	at := func(s string) time.Time {
		v, _ := time.Parse(time.RFC3339, s)
		return v
	}
	night := Prefs{QuietStart: 22 * 60, QuietEnd: 7 * 60, TimeZone: "Europe/Paris"} // UTC+1 in winter
	for _, tc := range []struct {
		name string
		p    Prefs
		now  string
		want string
	}{
		{"outside", night, "2026-11-25T12:00:00Z", "2026-11-25T12:00:00Z"},
		{"late evening waits for the morning", night, "2026-11-25T22:30:00Z", "2026-11-26T06:00:00Z"},
		{"after midnight waits for the same morning", night, "2026-11-26T02:00:00Z", "2026-11-26T06:00:00Z"},
		{"the end itself is not quiet", night, "2026-11-26T06:00:00Z", "2026-11-26T06:00:00Z"},
		{"a daytime window", Prefs{QuietStart: 9 * 60, QuietEnd: 17 * 60, TimeZone: "UTC"}, "2026-11-25T10:00:00Z", "2026-11-25T17:00:00Z"},
		{"equal times mean never quiet", Prefs{QuietStart: 60, QuietEnd: 60, TimeZone: "UTC"}, "2026-11-25T01:00:00Z", "2026-11-25T01:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.after(at(tc.now)); !got.Equal(at(tc.want)) {
				t.Errorf("after(%s) = %s, want %s", tc.now, got.Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestBackoffGrowsWithJitterAndStops(t *testing.T) {
	base := 2 * time.Second
	for attempt := 1; attempt <= 12; attempt++ {
		full := min(base<<(attempt-1), maxBackoff)
		for range 50 {
			if d := backoff(base, attempt); d < full/2 || d > full {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

func TestParseEvents(t *testing.T) {
	if ev, err := ParseEvents(" questions, steps,questions ,"); err != nil || len(ev) != 2 {
		t.Errorf("ParseEvents: %v %v", ev, err)
	}
	if _, err := ParseEvents("questions,lunch"); err != ErrBadEvents {
		t.Errorf("unknown event: %v", err)
	}
}
