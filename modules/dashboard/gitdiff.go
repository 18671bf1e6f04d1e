package dashboard

import (
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// diffFile is one changed file of an instance's git diff, ready to draw.
type diffFile struct {
	Name             string
	Added, Removed   int
	Lines            []diffLine
	Binary, New, Del bool
}

type diffLine struct {
	Kind string // "add", "del", "ctx" or "hunk"
	Text string
}

// maxDiffLines bounds what one page draws; the rest is counted, not shown.
const maxDiffLines = 5000

// parseDiff splits a unified git diff into files. ok is false when the
// text is not a diff go-gitdiff understands; the page then shows it raw.
func parseDiff(diff string) (files []diffFile, ok bool) {
	parsed, _, err := gitdiff.Parse(strings.NewReader(diff))
	if err != nil || len(parsed) == 0 {
		return nil, false
	}
	budget := maxDiffLines
	for _, f := range parsed {
		df := diffFile{Name: f.NewName, Binary: f.IsBinary, New: f.IsNew, Del: f.IsDelete}
		if f.IsDelete || df.Name == "" {
			df.Name = f.OldName
		}
		if f.IsRename && f.OldName != f.NewName {
			df.Name = f.OldName + " → " + f.NewName
		}
		for _, frag := range f.TextFragments {
			df.Added += int(frag.LinesAdded)
			df.Removed += int(frag.LinesDeleted)
			if budget <= 0 {
				continue
			}
			df.Lines = append(df.Lines, diffLine{Kind: "hunk", Text: frag.Header()})
			for _, l := range frag.Lines {
				// The sign stays in the text: colour alone says nothing to a
				// screen reader or a colour-blind reader.
				kind, sign := "ctx", " "
				switch l.Op {
				case gitdiff.OpAdd:
					kind, sign = "add", "+"
				case gitdiff.OpDelete:
					kind, sign = "del", "-"
				}
				df.Lines = append(df.Lines, diffLine{Kind: kind, Text: sign + strings.TrimSuffix(l.Line, "\n")})
				budget--
			}
		}
		files = append(files, df)
	}
	return files, true
}
