package channel

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutRunes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"héllo wörld", 3, "hé…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"", 3, ""},
	} {
		if got := cutRunes(tc.in, tc.n); got != tc.want {
			t.Errorf("cutRunes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestCutBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 4, "h…"},
		{"ééé", 6, "ééé"},
		{"ééé", 5, "é…"}, // never half an é
		{"ééé", 2, ""},
	} {
		got := cutBytes(tc.in, tc.n)
		if got != tc.want || len(got) > tc.n || !utf8.ValidString(got) {
			t.Errorf("cutBytes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	got := clean("line one\r\n\tline\x00two "+strings.Repeat("x", 300)+" secret-value \xff", []string{"secret-value", "ab"})
	if strings.ContainsAny(got, "\r\n\t\x00") || len(got) > maxSnippet || !strings.HasPrefix(got, "line one line two xxx") {
		t.Errorf("clean = %q", got)
	}
	if got := clean("token=secret-value; ab", []string{"secret-value", "ab"}); got != "token=[redacted]; ab" {
		t.Errorf("clean = %q, want the secret redacted and short values left alone", got)
	}
}
