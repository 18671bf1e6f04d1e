package channel

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	goodKey := newSubscription(t, "https://push.example/x").target.P256dh
	goodAuth := b64(make([]byte, 16))
	for _, tc := range []struct {
		name string
		t    Target
		want string // "" means valid
	}{
		{"ntfy", Target{Kind: Ntfy, URL: "https://ntfy.sh/my-topic"}, ""},
		{"ntfy self-hosted under a path", Target{Kind: Ntfy, URL: "http://10.0.0.2:2586/ntfy/alerts_1", Token: "tk_x"}, ""},
		{"ntfy without scheme", Target{Kind: Ntfy, URL: "ntfy.sh/my-topic"}, msgBadNtfyURL},
		{"ntfy ftp", Target{Kind: Ntfy, URL: "ftp://ntfy.sh/my-topic"}, msgBadNtfyURL},
		{"ntfy empty", Target{Kind: Ntfy}, msgBadNtfyURL},
		{"ntfy spaces", Target{Kind: Ntfy, URL: " https://ntfy.sh/t"}, msgBadNtfyURL},
		{"ntfy no host", Target{Kind: Ntfy, URL: "https:///t"}, msgBadNtfyURL},
		{"ntfy no topic", Target{Kind: Ntfy, URL: "https://ntfy.sh"}, msgBadNtfyTopic},
		{"ntfy root", Target{Kind: Ntfy, URL: "https://ntfy.sh/"}, msgBadNtfyTopic},
		{"ntfy bad topic", Target{Kind: Ntfy, URL: "https://ntfy.sh/my%20topic"}, msgBadNtfyTopic},
		{"ntfy long topic", Target{Kind: Ntfy, URL: "https://ntfy.sh/" + strings.Repeat("a", 65)}, msgBadNtfyTopic},

		{"webhook", Target{Kind: Webhook, URL: "https://example.com/hook?x=1", Token: "s"}, ""},
		{"webhook mailto", Target{Kind: Webhook, URL: "mailto:a@example.com"}, msgBadWebhookURL},
		{"webhook relative", Target{Kind: Webhook, URL: "/hook"}, msgBadWebhookURL},
		{"slack", Target{Kind: Slack, URL: "https://hooks.slack.com/services/T0/B0/X"}, ""},
		{"slack javascript", Target{Kind: Slack, URL: "javascript:alert(1)"}, msgBadSlackURL},
		{"discord", Target{Kind: Discord, URL: "https://discord.com/api/webhooks/1/abc"}, ""},
		{"discord empty", Target{Kind: Discord}, msgBadDiscordURL},

		{"email", Target{Kind: Email, URL: "ada@example.com"}, ""},
		{"email plus", Target{Kind: Email, URL: "ada+omnara@mail.example.com"}, ""},
		{"email no at", Target{Kind: Email, URL: "ada.example.com"}, msgBadEmail},
		{"email display name", Target{Kind: Email, URL: "Ada <ada@example.com>"}, msgBadEmail},
		{"email list", Target{Kind: Email, URL: "a@example.com, b@example.com"}, msgBadEmail},
		{"email header injection", Target{Kind: Email, URL: "ada@example.com\r\nBcc: x@example.com"}, msgBadEmail},
		{"email empty", Target{Kind: Email}, msgBadEmail},

		{"webpush", Target{Kind: WebPush, URL: "https://fcm.googleapis.com/fcm/send/abc", P256dh: goodKey, Auth: goodAuth}, ""},
		{"webpush padded keys", Target{Kind: WebPush, URL: "https://push.example/x", P256dh: goodKey + "=", Auth: base64.URLEncoding.EncodeToString(make([]byte, 16))}, ""},
		{"webpush http", Target{Kind: WebPush, URL: "http://push.example/x", P256dh: goodKey, Auth: goodAuth}, msgBadPushURL},
		{"webpush no keys", Target{Kind: WebPush, URL: "https://push.example/x"}, msgMissingPushKey},
		{"webpush no auth", Target{Kind: WebPush, URL: "https://push.example/x", P256dh: goodKey}, msgMissingPushKey},
		{"webpush key not base64", Target{Kind: WebPush, URL: "https://push.example/x", P256dh: "***", Auth: goodAuth}, msgBadPushP256dh},
		{"webpush key off the curve", Target{Kind: WebPush, URL: "https://push.example/x", P256dh: b64(append([]byte{4}, make([]byte, 64)...)), Auth: goodAuth}, msgBadPushP256dh},
		{"webpush short auth", Target{Kind: WebPush, URL: "https://push.example/x", P256dh: goodKey, Auth: b64(make([]byte, 8))}, msgBadPushAuth},

		{"unknown kind", Target{Kind: "sms", URL: "+33600000000"}, msgBadKind},
		{"no kind", Target{URL: "https://ntfy.sh/t"}, msgBadKind},
		{"kind is case-sensitive", Target{Kind: "NTFY", URL: "https://ntfy.sh/t"}, msgBadKind},
	} {
		err := Validate(tc.t)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %q", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		case tc.want != "" && !IsPermanent(err):
			t.Errorf("%s: a validation error should be permanent", tc.name)
		}
	}
}

func TestValidateSentences(t *testing.T) {
	// The settings page shows these as they are: one sentence each.
	if got := Validate(Target{Kind: Ntfy, URL: "nope"}); got == nil || got.Error() != "The ntfy URL must be an http or https URL, such as https://ntfy.sh/my-topic." {
		t.Errorf("got %v", got)
	}
	for _, msg := range []string{msgBadKind, msgBadNtfyURL, msgBadNtfyTopic, msgBadWebhookURL, msgBadSlackURL,
		msgBadDiscordURL, msgBadEmail, msgBadPushURL, msgMissingPushKey, msgBadPushP256dh, msgBadPushAuth} {
		if !strings.HasSuffix(msg, ".") || strings.ToUpper(msg[:1]) != msg[:1] {
			t.Errorf("%q is not a sentence", msg)
		}
	}
}

func TestSendValidatesFirst(t *testing.T) {
	err := New(nil, SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Webhook, URL: "not a url"}, step())
	if !IsPermanent(err) || err.Error() != msgBadWebhookURL {
		t.Errorf("err = %v, want the permanent %q", err, msgBadWebhookURL)
	}
}
