package compose

import (
	"fmt"
	"strings"

	"userdir/mailcmd"
)

// Body returns the body of a message holding lines, one command per line,
// each ending in "\n". With syncKind "mbox" or "alias" the body starts
// with the line "_cmd=sync:type=<syncKind>", and every line must then be an
// insert of that type (docs/protocol.md#meaning). The body is parsed as ingest parses it:
// a line it would reject, or lines that do not read as one command each,
// yield an error wrapping ErrInvalidCommand that names the command by its
// 1-based number. The warnings ingest would journal (an unknown key in a
// full line, say) are returned, worded the same way.
func Body(lines []string, syncKind string) (body string, warnings []string, err error) {
	return SyncBody(lines, syncKind, false)
}

// SyncBody is Body with force=1 on the sync line when force is set
// ("_cmd=sync:type=<syncKind>:force=1"): the centre then applies the sync
// even where its safety net would hold it (docs/protocol.md#the-sync-safety-net).
// force without a syncKind is an error wrapping ErrInvalidCommand.
func SyncBody(lines []string, syncKind string, force bool) (body string, warnings []string, err error) {
	if force && syncKind == "" {
		return "", nil, invalidCommand("force=1 belongs on a sync line: give a sync type")
	}
	if len(lines) == 0 {
		return "", nil, invalidCommand("no commands")
	}
	all := lines
	if syncKind != "" {
		if syncKind != mailcmd.KindMailbox && syncKind != mailcmd.KindAlias {
			return "", nil, invalidCommand("sync type %q: want %s or %s", syncKind, mailcmd.KindMailbox, mailcmd.KindAlias)
		}
		line := "_cmd=sync:type=" + syncKind
		if force {
			line += ":force=1"
		}
		all = append([]string{line}, lines...)
	}
	for i, l := range all {
		if strings.ContainsAny(l, "\r\n") {
			return "", nil, invalidCommand("%s holds a line break", which(i+1, syncKind != ""))
		}
	}
	body = strings.Join(all, "\n") + "\n"
	cmds, rejects, warns := mailcmd.ParseCommands(body)
	if len(rejects) > 0 {
		r := rejects[0]
		return "", nil, invalidCommand("%s: %s", which(r.Line, syncKind != ""), r.Reason)
	}
	if len(cmds) != len(all) {
		return "", nil, invalidCommand("ingest would read %d commands, not %d", len(cmds), len(all))
	}
	for _, w := range warns {
		warnings = append(warnings, fmt.Sprintf("%s: %s", which(w.Line, syncKind != ""), w.Reason))
	}
	return body, warnings, nil
}

// which names body line n: the sync line, or a command by its number in
// the lines given to Body.
func which(n int, sync bool) string {
	switch {
	case sync && n == 1:
		return "the sync line"
	case sync:
		n--
	}
	return fmt.Sprintf("command %d", n)
}
