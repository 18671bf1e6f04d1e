package agents

import (
	"encoding/base64"
	"regexp"
	"strings"
)

var (
	base64Text = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)
	hunkHeader = regexp.MustCompile(`(?m)^@@ -\d+(,\d+)? \+\d+(,\d+)? @@`)
)

// normalizeGitDiff applies Omnara's rules to a diff sent with a message:
// strictly valid base64 is decoded (invalid UTF-8 replaced), the text is
// trimmed, empty means "clear the diff", and anything that does not look
// like a git diff is ignored. It returns the diff to store and whether to
// store anything at all.
func normalizeGitDiff(raw *string) (diff string, apply bool) {
	if raw == nil {
		return "", false
	}
	text := *raw
	if t := strings.TrimSpace(text); t != "" && len(t)%4 == 0 && base64Text.MatchString(t) {
		if decoded, err := base64.StdEncoding.Strict().DecodeString(t); err == nil {
			text = strings.ToValidUTF8(string(decoded), "\uFFFD")
		}
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", true
	}
	if !looksLikeGitDiff(text) {
		return "", false
	}
	return text, true
}

func looksLikeGitDiff(text string) bool {
	hasOld, hasNew := false, false
	for line := range strings.Lines(text) {
		switch {
		case strings.HasPrefix(line, "diff --git "):
			return true
		case strings.HasPrefix(line, "--- "):
			hasOld = true
		case strings.HasPrefix(line, "+++ "):
			hasNew = true
		}
	}
	return (hasOld && hasNew) || hunkHeader.MatchString(text)
}
