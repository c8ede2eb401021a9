package mailcmd

import (
	"fmt"
	"strings"
)

// ops maps the values of _cmd (lower-case) to operations.
var ops = map[string]Op{
	"insert": OpInsert,
	"update": OpUpdate,
	"delete": OpDelete,
	"sync":   OpSync,
}

// lineFields are the key=value fields of one command line, keys resolved.
type lineFields struct {
	bad      string // why a value is over the limits; "" when none is
	cmd, eml string
	hasEml   bool
	force    string // force=: "1" releases a sync that the safety net would hold
	hasForce bool
	values   [NumFields]string
	present  [NumFields]bool
	hasCmd   bool
	warnings []string
}

// parseLine parses one trimmed command segment into a command and its
// warnings, or a *lineError. scratch is reused for the fields.
func parseLine(line string, scratch *[]string) (Command, []string, error) {
	var f lineFields
	*scratch = splitFields(*scratch, line)
	for _, field := range *scratch {
		if strings.TrimSpace(field) == "" {
			continue // a stray or trailing ':'
		}
		key, val, ok := strings.Cut(field, "=")
		if !ok {
			return Command{}, nil, reject("field without '=': %q", shorten(strings.TrimSpace(field), maxQuoted))
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if key == "" {
			return Command{}, nil, reject("field without a key: %q", shorten(strings.TrimSpace(field), maxQuoted))
		}
		f.set(key, strings.ToValidUTF8(unescape(strings.TrimSpace(val)), "\uFFFD"))
	}
	cmd, err := f.command()
	if err != nil {
		return Command{}, nil, err
	}
	return cmd, f.warnings, nil
}

// set records key=val, warning about unknown and repeated keys.
func (f *lineFields) set(key, val string) {
	if why := checkValue(key, val, key != "eml"); why != "" && f.bad == "" {
		f.bad = why
	}
	var dup bool
	switch key {
	case "_cmd":
		dup, f.cmd, f.hasCmd = f.hasCmd, val, true
	case "eml":
		dup, f.eml, f.hasEml = f.hasEml, val, true
	case "force":
		dup, f.force, f.hasForce = f.hasForce, val, true
	default:
		fld, ok := FieldByKey(key)
		if !ok {
			f.warn("unknown key %q", shorten(key, maxQuoted))
			return
		}
		dup = f.present[fld]
		f.values[fld], f.present[fld] = val, true
	}
	if dup {
		f.warn("duplicate key %q: the last one wins", key)
	}
}

// warn adds a warning about the line.
func (f *lineFields) warn(format string, args ...any) {
	f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
}

// command validates the fields and builds the command.
func (f *lineFields) command() (Command, error) {
	op, ok := ops[strings.ToLower(f.cmd)]
	if !ok {
		return Command{}, reject("unknown _cmd %q", shorten(f.cmd, maxQuoted))
	}
	if f.bad != "" {
		return Command{}, reject("%s", f.bad)
	}
	if err := f.checkKind(op); err != nil {
		return Command{}, err
	}
	if op == OpSync {
		return f.sync()
	}
	if f.hasForce {
		f.warn("key %q is only for sync", "force")
	}
	if f.eml == "" {
		return Command{}, reject("no eml")
	}
	if why := checkAddress(f.eml); why != "" {
		return Command{}, reject("%s", why)
	}
	for _, fld := range []Field{FieldAct, FieldVis} {
		if v := f.values[fld]; v != "" && v != "0" && v != "1" {
			return Command{}, reject("%s must be 1, 0 or empty, not %q", fld.Key(), shorten(v, maxQuoted))
		}
	}
	cmd := Command{Op: op, Eml: CanonicalAddress(f.eml)}
	if op == OpDelete {
		return cmd, nil
	}
	if err := f.checkDst(op); err != nil {
		return Command{}, err
	}
	cmd.Values, cmd.Present = f.values, f.present
	return cmd, nil
}

// checkKind normalizes the type field and checks it: mbox, alias, or
// empty (mbox); a sync requires mbox or alias.
func (f *lineFields) checkKind(op Op) error {
	kind := strings.ToLower(f.values[FieldKind])
	f.values[FieldKind] = kind
	switch {
	case op == OpSync && kind != KindMailbox && kind != KindAlias:
		return reject("sync needs type=mbox or type=alias")
	case kind != "" && kind != KindMailbox && kind != KindAlias:
		return reject("type must be mbox or alias, not %q", shorten(kind, maxQuoted))
	}
	return nil
}

// sync builds a sync command; every key but _cmd, type and force is ignored.
func (f *lineFields) sync() (Command, error) {
	if f.hasForce && f.force != "0" && f.force != "1" {
		return Command{}, reject("force must be 1 or 0, not %q", shorten(f.force, maxQuoted))
	}
	if f.hasEml {
		f.warn("key %q is ignored on sync", "eml")
	}
	for fld := Field(0); fld < NumFields; fld++ {
		if f.present[fld] && fld != FieldKind {
			f.warn("key %q is ignored on sync", fld.Key())
		}
	}
	return Command{Op: OpSync, Kind: f.values[FieldKind], Force: f.force == "1"}, nil
}

// checkDst validates and normalizes dst. It is dropped with a warning on
// a mailbox: an insert without type, or any command with a type other
// than alias. An update without type keeps it (the record may be an alias).
func (f *lineFields) checkDst(op Op) error {
	if !f.present[FieldDst] {
		return nil
	}
	kind := f.values[FieldKind]
	if (f.present[FieldKind] && kind != KindAlias) || (!f.present[FieldKind] && op == OpInsert) {
		f.warn("dst on a mbox is ignored")
		f.values[FieldDst], f.present[FieldDst] = "", false
		return nil
	}
	norm, bad := normalizeAddresses(f.values[FieldDst])
	if bad != "" {
		return reject("bad dst address %q", shorten(bad, maxQuoted))
	}
	f.values[FieldDst] = norm
	return nil
}
