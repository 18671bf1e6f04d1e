package agents

import (
	"slices"
	"testing"
)

func TestQuestionChoices(t *testing.T) {
	meta := `{"options":["main","release"],"allow_other":false}`
	for _, tc := range []struct {
		name, text string
		meta       *string
		wantText   string
		want       []string
		other      bool
	}{
		{"Omnara's block", "Deploy?\n[OPTIONS]\n1. Yes\n2. Yes and approve Bash for rest of session\n3. No\n[/OPTIONS]", nil,
			"Deploy?", []string{"Yes", "Yes and approve Bash for rest of session", "No"}, true},
		{"bullets and parentheses", "Pick:\n[OPTIONS]\n- red\n2) blue\n\n[/OPTIONS]\nthanks", nil, "Pick:\n\nthanks", []string{"red", "blue"}, true},
		{"structured options win", "Which branch?", &meta, "Which branch?", []string{"main", "release"}, false},
		{"no options", "Free text?", nil, "Free text?", nil, false},
		{"unclosed block stays text", "Odd [OPTIONS]\n1. a", nil, "Odd [OPTIONS]\n1. a", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, c := QuestionChoices(tc.text, tc.meta)
			if text != tc.wantText || !slices.Equal(c.Options, tc.want) || c.AllowOther != tc.other {
				t.Errorf("got %q %q other=%v, want %q %q other=%v", text, c.Options, c.AllowOther, tc.wantText, tc.want, tc.other)
			}
		})
	}
}
