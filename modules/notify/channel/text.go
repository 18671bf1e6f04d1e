package channel

import "unicode/utf8"

const ellipsis = "…"

// cutRunes shortens s to at most n characters, ending with "…" when cut.
// Slack and Discord count their limits in characters.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + ellipsis
}

// cutBytes shortens s to at most n bytes on a rune boundary, ending with
// "…" when cut. ntfy, web push and errors count bytes.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len(ellipsis) {
		return ""
	}
	i := n - len(ellipsis)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ellipsis
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
