package mailmsg

import "strings"

// unflow undoes format=flowed (RFC 3676 §4): a line that ends in a space
// continues on the next line of the same quote depth. Space-stuffing is
// removed, and with delsp the trailing space of a flowed line as well.
// Quoted lines keep their '>' marks, so they stay quoted. text has LF line ends.
func unflow(text string, delsp bool) string {
	var out strings.Builder
	out.Grow(len(text))
	open := false // a flowed paragraph is being joined
	openDepth := 0
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		depth, content := quoteDepth(line)
		if open && depth != openDepth {
			out.WriteByte('\n') // a flowed line followed by another depth ends there
			open = false
		}
		if !open {
			out.WriteString(strings.Repeat(">", depth))
		}
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		out.WriteString(content)
		if flowed {
			open, openDepth = true, depth
			continue
		}
		out.WriteByte('\n')
		open = false
	}
	if open {
		out.WriteByte('\n')
	}
	return out.String()
}

// quoteDepth returns the number of leading '>' of a flowed line and the
// rest of it with one stuffed space removed.
func quoteDepth(line string) (int, string) {
	depth := 0
	for depth < len(line) && line[depth] == '>' {
		depth++
	}
	return depth, strings.TrimPrefix(line[depth:], " ")
}
